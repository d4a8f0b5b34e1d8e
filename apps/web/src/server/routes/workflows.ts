/**
 * `/api/workflow-executions`: start and list runs, read one, control it (pause, resume, cancel, advance, rerun)
 * and delete it.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RunStatus } from '@switchyard/workflow-engine';
import { parseInput } from '../http/apiError.ts';
import { IdParams, uuid } from '../http/wireSchemas.ts';
import { createWorkflowRun } from '../domain/workflow/services/createWorkflowRun.ts';
import {
  advanceWorkflow,
  cancelWorkflow,
  pauseWorkflow,
  resumeWorkflow,
  rerunWorkflow,
} from '../domain/workflow/services/controlWorkflow.ts';
import type { WorkflowServiceDeps } from '../domain/workflow/services/deps.ts';
import { deleteWorkflowRun } from '../domain/workflow/services/deleteWorkflowRun.ts';
import { getWorkflowRunById } from '../domain/workflow/services/getWorkflowRunById.ts';
import { getWorkflowRuns } from '../domain/workflow/services/getWorkflowRuns.ts';

const RUN_STATUSES = ['pending', 'running', 'paused', 'waiting', 'completed', 'failed', 'cancelled'] as const;

const CreateRunBody = z.object({
  project_id: uuid().optional(),
  workflow_definition_id: uuid(),
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  args: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
});

const ListRunsQuery = z.object({
  project_id: uuid().optional(),
  status: z
    .string()
    .transform((value) => value.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(RUN_STATUSES, { error: `must be one of ${RUN_STATUSES.join(', ')}` })))
    .optional(),
  phase: z.string().min(1).max(200).optional(),
  workflow_definition_id: uuid().optional(),
  limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(500).default(50),
  offset: z.coerce.number({ error: 'must be a number' }).int().min(0).default(0),
});

const PauseBody = z.object({ now: z.boolean({ error: 'must be true or false' }).optional() });
const RerunBody = z.object({ phase: z.string({ error: 'is required' }).min(1, 'must not be empty') });

export interface WorkflowRoutesOptions extends WorkflowServiceDeps {
  defaultProjectId: string;
}

export async function workflowRoutes(app: FastifyInstance, opts: WorkflowRoutesOptions): Promise<void> {
  const deps: WorkflowServiceDeps = opts;
  const runId = (params: unknown) => parseInput(IdParams, params).id;

  app.post('/api/workflow-executions', async (request, reply) => {
    const body = parseInput(CreateRunBody, request.body ?? {});
    const run = await createWorkflowRun(deps, {
      projectId: body.project_id ?? opts.defaultProjectId,
      workflowDefinitionId: body.workflow_definition_id,
      name: body.name,
      args: body.args,
    });
    return reply.status(201).send(run);
  });

  app.get('/api/workflow-executions', async (request) => {
    const query = parseInput(ListRunsQuery, request.query);
    return getWorkflowRuns(deps, {
      projectId: query.project_id ?? opts.defaultProjectId,
      status: query.status as RunStatus[] | undefined,
      phase: query.phase,
      workflowDefinitionId: query.workflow_definition_id,
      limit: query.limit,
      offset: query.offset,
    });
  });

  app.get('/api/workflow-executions/:id', async (request) => getWorkflowRunById(deps, runId(request.params)));

  app.delete('/api/workflow-executions/:id', async (request, reply) => {
    await deleteWorkflowRun(deps, runId(request.params));
    return reply.status(204).send();
  });

  app.post('/api/workflow-executions/:id/pause', async (request) => {
    const id = runId(request.params);
    return pauseWorkflow(deps, id, parseInput(PauseBody, request.body ?? {}));
  });
  app.post('/api/workflow-executions/:id/resume', async (request) => resumeWorkflow(deps, runId(request.params)));
  app.post('/api/workflow-executions/:id/cancel', async (request) => cancelWorkflow(deps, runId(request.params)));
  app.post('/api/workflow-executions/:id/advance', async (request) => advanceWorkflow(deps, runId(request.params)));
  app.post('/api/workflow-executions/:id/rerun', async (request) => {
    const id = runId(request.params);
    return rerunWorkflow(deps, id, parseInput(RerunBody, request.body ?? {}).phase);
  });
}
