/**
 * Follow-ups to an agent step as a mutation: the answer comes once the agent has replied — or at once, queued, while
 * the step's turn runs. The run's queued follow-ups are a query of the run's detail (refreshed with it, as the run's
 * events arrive), and one still queued can be cancelled. A refusal or a failure is a toast.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { FollowUpResponse, QueuedFollowUp, QueuedFollowUpList } from '../../../../../protocol/followUps.ts';
import { apiRequest } from '../../../../lib/api.ts';
import { useWorkflowStore } from '../stores/workflowStore.ts';

const failed = (title: string) => (error: unknown) => {
  useWorkflowStore.getState().pushToast({
    tone: 'danger',
    title,
    body: error instanceof Error ? error.message : String(error),
  });
};

export function useFollowUp(runId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ stepRowId, message }: { stepRowId: string; message: string }) =>
      apiRequest(FollowUpResponse, `/api/workflow-steps/${stepRowId}/follow-up`, {
        method: 'POST',
        body: { message },
      }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['workflow-execution', runId] }),
    onError: failed('Follow-up failed'),
  });
}

/** Under the run's detail key: every event of the run refreshes it, a delivery included. */
export function useQueuedFollowUps(runId: string) {
  return useQuery({
    queryKey: ['workflow-execution', runId, 'follow-ups'],
    queryFn: () => apiRequest(QueuedFollowUpList, `/api/workflow-executions/${runId}/follow-ups`),
  });
}

export function useCancelFollowUp(runId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest(QueuedFollowUp, `/api/workflow-follow-ups/${id}/cancel`, { method: 'POST' }),
    onSettled: () => void client.invalidateQueries({ queryKey: ['workflow-execution', runId, 'follow-ups'] }),
    onError: failed('Cancel failed'),
  });
}
