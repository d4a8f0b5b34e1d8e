/** A person's follow-up to an agent step: the message that continues its session, and the agent's answer. */
import { z } from 'zod';
import { Comment, MAX_COMMENT_LENGTH } from './comments.ts';
import { text } from './common.ts';

export const FollowUpBody = z.object({
  message: text({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_COMMENT_LENGTH, `must be at most ${MAX_COMMENT_LENGTH} characters`),
});
export type FollowUpBody = z.infer<typeof FollowUpBody>;

/** Both halves are step comments (`user`, then `agent`), also sent as `workflow.comment.created`. */
export const FollowUpAnswer = z.object({
  message: Comment,
  reply: Comment,
  /** The CLI session the follow-up continued: the step's own. */
  session_id: z.string().nullable(),
  /** The agent failed to answer (an API error…); `reply.text` says why. */
  is_error: z.boolean(),
});
export type FollowUpAnswer = z.infer<typeof FollowUpAnswer>;
