/** `POST/GET /api/workflow-executions/:id/comments`: a run's comments, at run level or on one of its steps. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { uuid } from '../http/wireSchemas.ts';
import type { AppDatabase } from '../db/connection.ts';
import { parseInput } from '../http/apiError.ts';
import type { EventBus } from '../websocket/eventBus.ts';
import { createComment } from '../domain/workflow-comment/services/createComment.ts';
import { getComments } from '../domain/workflow-comment/services/getComments.ts';

export const MAX_COMMENT_LENGTH = 20_000;

const RunParams = z.object({ id: uuid() });

const CreateCommentBody = z.object({
  text: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_COMMENT_LENGTH, `must be at most ${MAX_COMMENT_LENGTH} characters`),
  workflow_run_step_id: uuid().nullish(),
});

const ListCommentsQuery = z.object({ workflow_run_step_id: uuid().optional() });

export type CreateCommentBody = z.infer<typeof CreateCommentBody>;

export interface WorkflowCommentRoutesOptions {
  db: AppDatabase;
  bus: EventBus;
}

/** The comment routes; register under the app root (paths are absolute). */
export async function workflowCommentRoutes(app: FastifyInstance, opts: WorkflowCommentRoutesOptions): Promise<void> {
  const deps = { db: opts.db, bus: opts.bus };

  app.post('/api/workflow-executions/:id/comments', async (request, reply) => {
    const { id } = parseInput(RunParams, request.params);
    // A missing body is an empty object, so the answer names `text` rather than the whole body.
    const body = parseInput(CreateCommentBody, request.body ?? {});
    const comment = await createComment(deps, { runId: id, text: body.text, stepRowId: body.workflow_run_step_id });
    return reply.status(201).send(comment);
  });

  app.get('/api/workflow-executions/:id/comments', async (request) => {
    const { id } = parseInput(RunParams, request.params);
    const query = parseInput(ListCommentsQuery, request.query);
    return { data: await getComments(deps, { runId: id, stepRowId: query.workflow_run_step_id }) };
  });
}
