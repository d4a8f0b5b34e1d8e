/**
 * Commenting on a line of a diff: a run comment (on the step whose commit is shown, or on the run for all its
 * changes) that points at the line, and, when asked, the same words sent to the step's agent as a follow-up that
 * quotes the line (queued by the server while the step's turn runs). The comment is kept even when the follow-up is
 * refused (409: a step without a session): the refusal's reason is a toast.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Comment } from '../../../../../protocol/comments.ts';
import type { CommentAnchor } from '../../../../../protocol/comments.ts';
import { apiRequest } from '../../../../lib/api.ts';
import { lineFollowUp } from '../lib/lineComment.ts';
import { useWorkflowStore } from '../stores/workflowStore.ts';
import { useFollowUp } from './useFollowUp.ts';

export interface LineCommentInput {
  text: string;
  anchor: CommentAnchor;
  /** The line's content, quoted in the follow-up. */
  lineText: string;
  /** Also send it to the step's agent. */
  followUp: boolean;
}

/** The comment mutation, and the follow-up one (pending while the agent answers; `variables` says which line). */
export function useLineComment(runId: string, stepRowId: string | null) {
  const client = useQueryClient();
  const followUp = useFollowUp(runId);
  const comment = useMutation({
    mutationFn: (input: LineCommentInput) =>
      apiRequest(Comment, `/api/workflow-executions/${runId}/comments`, {
        method: 'POST',
        body: { text: input.text, workflow_run_step_id: stepRowId, anchor: input.anchor },
      }),
    onSuccess: (_comment, input) => {
      void client.invalidateQueries({ queryKey: ['workflow-execution', runId] });
      if (input.followUp && stepRowId) {
        followUp.mutate(
          { stepRowId, message: lineFollowUp(input.anchor, input.lineText, input.text) },
          {
            onSuccess: (answer) =>
              useWorkflowStore
                .getState()
                .pushToast(
                  answer.state === 'queued'
                    ? { tone: 'info', title: 'Queued for the agent', body: 'It is sent when the current turn ends.' }
                    : { tone: 'success', title: 'The agent answered', body: 'Its answer is in the Comments tab.' },
                ),
          },
        );
      }
    },
    onError: (error) =>
      useWorkflowStore.getState().pushToast({
        tone: 'danger',
        title: 'Comment failed',
        body: error instanceof Error ? error.message : String(error),
      }),
  });
  return { comment, followUp };
}
