/**
 * A follow-up to an agent step as a mutation: the answer comes once the agent has replied. The run's detail is
 * refreshed (its comments hold the exchange); a refusal or a failure is a toast.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { FollowUpAnswer } from '../../../../../protocol/followUps.ts';
import { apiRequest } from '../../../../lib/api.ts';
import { useWorkflowStore } from '../stores/workflowStore.ts';

export function useFollowUp(runId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ stepRowId, message }: { stepRowId: string; message: string }) =>
      apiRequest(FollowUpAnswer, `/api/workflow-steps/${stepRowId}/follow-up`, { method: 'POST', body: { message } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['workflow-execution', runId] }),
    onError: (error) => {
      useWorkflowStore.getState().pushToast({
        tone: 'danger',
        title: 'Follow-up failed',
        body: error instanceof Error ? error.message : String(error),
      });
    },
  });
}
