/**
 * "Fork from here": a new run of the same template and args starting at a step, linked to the run it came from.
 * On success the new run's detail opens; a refusal is a toast with the server's reason.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { RunDetail } from '../../../../../protocol/runs.ts';
import { apiRequest } from '../../../../lib/api.ts';
import { useSearchParam } from '../../../../lib/router.ts';
import { useWorkflowStore } from '../stores/workflowStore.ts';

export function useForkRun() {
  const client = useQueryClient();
  const [, setSearch] = useSearchParam();
  return useMutation({
    mutationFn: ({ runId, stepRowId }: { runId: string; stepRowId: string }) =>
      apiRequest(RunDetail, `/api/workflow-executions/${runId}/fork`, {
        method: 'POST',
        body: { from_step_id: stepRowId },
      }),
    onSuccess: (fork) => {
      client.setQueryData(['workflow-execution', fork.id], fork);
      void client.invalidateQueries({ queryKey: ['workflow-executions', fork.project_id] });
      setSearch({ run: fork.id, tab: 'logs', step: null, log: null });
    },
    onError: (error) => {
      useWorkflowStore.getState().pushToast({
        tone: 'danger',
        title: 'Fork failed',
        body: error instanceof Error ? error.message : String(error),
      });
    },
  });
}
