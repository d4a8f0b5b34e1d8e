/**
 * `POST /api/workflow-executions/:id/request-changes` `{ comment }` → 200 the run, runnable again: the phase before
 * the gate it waits at re-runs, its agent steps continuing their sessions with the comment, and the comment is kept
 * as a run comment. 409 `changes_refused` for a run at no gate, or at a gate with no phase before it.
 */
import type { FastifyInstance } from 'fastify';
import { IdParams } from '../../protocol/common.ts';
import { RequestChangesBody } from '../../protocol/followUps.ts';
import type { WorkflowServiceDeps } from '../domain/workflow/services/deps.ts';
import { requestChanges } from '../domain/workflow/services/requestChanges.ts';
import { parseInput } from '../http/parseInput.ts';

export async function workflowRequestChangesRoutes(app: FastifyInstance, opts: WorkflowServiceDeps): Promise<void> {
  app.post('/api/workflow-executions/:id/request-changes', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    const { comment } = parseInput(RequestChangesBody, request.body);
    return requestChanges(opts, id, comment);
  });
}
