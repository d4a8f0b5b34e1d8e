/**
 * A person's follow-up to an agent step: the message that continues its session, and the agent's answer — or, for a
 * step whose turn is still running, the message queued until the turn ends. And a request for changes at a gate.
 */
import { z } from 'zod';
import { Comment, MAX_COMMENT_LENGTH } from './comments.ts';
import { text, timestamp, uuid } from './common.ts';

const message = () =>
  text({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_COMMENT_LENGTH, `must be at most ${MAX_COMMENT_LENGTH} characters`);

export const FollowUpBody = z.object({ message: message() });
export type FollowUpBody = z.infer<typeof FollowUpBody>;

/** Both halves are step comments (`user`, then `agent`), also sent as `workflow.comment.created`. */
export const FollowUpAnswer = z.object({
  state: z.literal('answered'),
  message: Comment,
  reply: Comment,
  /** The CLI session the follow-up continued: the step's own. */
  session_id: z.string().nullable(),
  /** The agent failed to answer (an API error…); `reply.text` says why. */
  is_error: z.boolean(),
});
export type FollowUpAnswer = z.infer<typeof FollowUpAnswer>;

/**
 * A follow-up waiting for a step's turn to end. `message`: a person's, delivered when the turn ends; `changes`: the
 * comment of a request for changes, which the re-run step starts with. `delivering` while its turn runs.
 */
export const QueuedFollowUp = z.object({
  id: uuid(),
  workflow_run_id: uuid(),
  /** The step's id in the template (its records change when its phase re-runs). */
  step_id: z.string(),
  kind: z.enum(['message', 'changes']),
  message: z.string(),
  state: z.enum(['queued', 'delivering', 'delivered', 'cancelled']),
  /** The key its message is journaled under as a step comment, once its delivery began. */
  dedupe_key: z.string().nullable(),
  created_at: timestamp(),
});
export type QueuedFollowUp = z.infer<typeof QueuedFollowUp>;

/** 202: the step's turn is still running; the step sends the message in its session when the turn ends. */
export const FollowUpQueuedAnswer = z.object({ state: z.literal('queued'), follow_up: QueuedFollowUp });
export type FollowUpQueuedAnswer = z.infer<typeof FollowUpQueuedAnswer>;

export const FollowUpResponse = z.discriminatedUnion('state', [FollowUpAnswer, FollowUpQueuedAnswer]);
export type FollowUpResponse = z.infer<typeof FollowUpResponse>;

/** `GET /api/workflow-executions/:id/follow-ups`: the run's follow-ups not delivered yet (queued or delivering). */
export const QueuedFollowUpList = z.object({ data: z.array(QueuedFollowUp) });
export type QueuedFollowUpList = z.infer<typeof QueuedFollowUpList>;

/** `POST /api/workflow-executions/:id/request-changes`: what the phase before the gate must change. */
export const RequestChangesBody = z.object({ comment: message() });
export type RequestChangesBody = z.infer<typeof RequestChangesBody>;
