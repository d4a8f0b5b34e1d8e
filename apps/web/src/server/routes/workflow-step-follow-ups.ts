/**
 * `POST /api/workflow-steps/:id/follow-up` `{ message }` → 200 `{ message, reply, session_id, is_error }` once the
 * agent step's continued CLI session has answered; both halves are comments of the step. 409 `follow_up_refused`
 * for a step whose turn is still running, a script or function step, or one whose agent reported no session.
 */
import type { FastifyInstance } from 'fastify';
import { IdParams } from '../../protocol/common.ts';
import { FollowUpBody } from '../../protocol/followUps.ts';
import type { WorkflowServiceDeps } from '../domain/workflow/services/deps.ts';
import { followUpStep } from '../domain/workflow-step/services/followUpStep.ts';
import { parseInput } from '../http/parseInput.ts';

export async function workflowStepFollowUpRoutes(app: FastifyInstance, opts: WorkflowServiceDeps): Promise<void> {
  app.post('/api/workflow-steps/:id/follow-up', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    const { message } = parseInput(FollowUpBody, request.body);
    return followUpStep(opts, id, message);
  });
}
