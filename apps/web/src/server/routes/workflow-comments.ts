/** `POST/GET /api/workflow-executions/:id/comments`: a run's comments, at run level or on one of its steps. */
import type { FastifyInstance } from 'fastify';
import { IdParams } from '../../protocol/common.ts';
import { CreateCommentBody, ListCommentsQuery } from '../../protocol/comments.ts';
import type { AppDatabase } from '../db/connection.ts';
import { parseInput } from '../http/parseInput.ts';
import type { EventBus } from '../websocket/eventBus.ts';
import { createComment } from '../domain/workflow-comment/services/createComment.ts';
import { getComments } from '../domain/workflow-comment/services/getComments.ts';

export interface WorkflowCommentRoutesOptions {
  db: AppDatabase;
  bus: EventBus;
}

/** The comment routes; register under the app root (paths are absolute). */
export async function workflowCommentRoutes(app: FastifyInstance, opts: WorkflowCommentRoutesOptions): Promise<void> {
  const deps = { db: opts.db, bus: opts.bus };

  app.post('/api/workflow-executions/:id/comments', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params);
    // A missing body is an empty object, so the answer names `text` rather than the whole body.
    const body = parseInput(CreateCommentBody, request.body ?? {});
    const comment = await createComment(deps, {
      runId: id,
      text: body.text,
      stepRowId: body.workflow_run_step_id,
      anchor: body.anchor,
    });
    return reply.status(201).send(comment);
  });

  app.get('/api/workflow-executions/:id/comments', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    const query = parseInput(ListCommentsQuery, request.query);
    return { data: await getComments(deps, { runId: id, stepRowId: query.workflow_run_step_id }) };
  });
}
