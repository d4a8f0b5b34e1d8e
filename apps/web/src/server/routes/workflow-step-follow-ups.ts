/**
 * Follow-ups to agent steps.
 * - `POST /api/workflow-steps/:id/follow-up` `{ message }` → 200 `{ state: 'answered', message, reply, session_id,
 *   is_error }` once the step's continued CLI session has answered (both halves are comments of the step); 202
 *   `{ state: 'queued', follow_up }` when the step's turn is still running — the step sends it when the turn ends.
 *   409 `follow_up_refused` for a script or function step, or one whose agent reported no session.
 * - `GET /api/workflow-executions/:id/follow-ups` → the run's follow-ups still queued or being delivered.
 * - `POST /api/workflow-follow-ups/:id/cancel` → the follow-up, cancelled; 409 `follow_up_not_queued` once its
 *   delivery began.
 */
import type { FastifyInstance } from 'fastify';
import { IdParams } from '../../protocol/common.ts';
import { FollowUpBody } from '../../protocol/followUps.ts';
import type { WorkflowServiceDeps } from '../domain/workflow/services/deps.ts';
import { followUpStep } from '../domain/workflow-step/services/followUpStep.ts';
import { cancelQueuedFollowUp, listQueuedFollowUps } from '../domain/workflow-step/services/queuedFollowUps.ts';
import { parseInput } from '../http/parseInput.ts';

export async function workflowStepFollowUpRoutes(app: FastifyInstance, opts: WorkflowServiceDeps): Promise<void> {
  app.post('/api/workflow-steps/:id/follow-up', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params);
    const { message } = parseInput(FollowUpBody, request.body);
    const answer = await followUpStep(opts, id, message);
    return reply.code(answer.state === 'queued' ? 202 : 200).send(answer);
  });

  app.get('/api/workflow-executions/:id/follow-ups', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    return listQueuedFollowUps(opts, id);
  });

  app.post('/api/workflow-follow-ups/:id/cancel', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    return cancelQueuedFollowUp(opts, id);
  });
}
