/** Events from outside for runs that wait for them: `POST /api/events` (the project's runs) and one run's. */
import type { FastifyInstance } from 'fastify';
import { IdParams } from '../../protocol/common.ts';
import { SendEventBody, SendRunEventBody } from '../../protocol/receivedEvents.ts';
import { parseInput } from '../http/parseInput.ts';
import { receiveEvent } from '../domain/workflow-event/receiveEvent.ts';
import type { WorkflowServiceDeps } from '../domain/workflow/services/deps.ts';

export interface EventRoutesOptions extends WorkflowServiceDeps {
  defaultProjectId: string;
}

export async function eventRoutes(app: FastifyInstance, opts: EventRoutesOptions): Promise<void> {
  app.post('/api/events', async (request, reply) => {
    const body = parseInput(SendEventBody, request.body ?? {});
    const receipt = await receiveEvent(opts, {
      projectId: body.project_id ?? opts.defaultProjectId,
      name: body.name,
      data: body.data ?? {},
    });
    return reply.status(202).send(receipt);
  });

  app.post('/api/workflow-executions/:id/events', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params);
    const body = parseInput(SendRunEventBody, request.body ?? {});
    const receipt = await receiveEvent(opts, {
      projectId: opts.defaultProjectId,
      runId: id,
      name: body.name,
      data: body.data ?? {},
    });
    return reply.status(202).send(receipt);
  });
}
