/**
 * Controls of a run (pause, resume, cancel, approve, request changes, re-run, delete) as mutations. Each answer is the run; the
 * socket's events move the card, so a mutation only reports failure (as a toast) and refreshes the run's detail.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { RunDetail } from '../../../../../protocol/runs.ts';
import { apiRequest } from '../../../../lib/api.ts';
import { queries } from '../../../../lib/queries.ts';
import { useWorkflowStore } from '../stores/workflowStore.ts';

export type RunAction =
  | { kind: 'pause'; now?: boolean }
  | { kind: 'resume' }
  | { kind: 'cancel' }
  | { kind: 'advance' }
  /** Without a comment: asks for one first (the page's dialog); with it, sends the phase before the gate back. */
  | { kind: 'request-changes'; comment?: string }
  | { kind: 'rerun'; phase: string }
  | { kind: 'delete' };

const ACTION_LABEL: Record<RunAction['kind'], string> = {
  pause: 'Pause',
  resume: 'Resume',
  cancel: 'Cancel',
  advance: 'Approve',
  'request-changes': 'Request changes',
  rerun: 'Re-run',
  delete: 'Delete',
};

export function performRunAction(runId: string, action: RunAction) {
  const base = `/api/workflow-executions/${runId}`;
  switch (action.kind) {
    case 'pause':
      return apiRequest(RunDetail, `${base}/pause`, { method: 'POST', body: { now: action.now ?? false } });
    case 'rerun':
      return apiRequest(RunDetail, `${base}/rerun`, { method: 'POST', body: { phase: action.phase } });
    case 'delete':
      return apiRequest(z.undefined(), base, { method: 'DELETE' });
    case 'request-changes':
      return apiRequest(RunDetail, `${base}/request-changes`, { method: 'POST', body: { comment: action.comment } });
    default:
      return apiRequest(RunDetail, `${base}/${action.kind}`, { method: 'POST', body: {} });
  }
}

export function useRunActions(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ runId, action }: { runId: string; action: RunAction }) => performRunAction(runId, action),
    onSuccess: (_data, { runId, action }) => {
      if (action.kind === 'delete') {
        client.removeQueries({ queryKey: ['workflow-execution', runId] });
        void client.invalidateQueries({ queryKey: ['workflow-executions', projectId] });
      } else void client.invalidateQueries({ queryKey: ['workflow-execution', runId] });
      if (action.kind === 'rerun' || action.kind === 'request-changes')
        void client.invalidateQueries({ queryKey: queries.board(projectId).queryKey });
    },
    onError: (error, { action }) => {
      useWorkflowStore.getState().pushToast({
        tone: 'danger',
        title: `${ACTION_LABEL[action.kind]} failed`,
        body: error instanceof Error ? error.message : String(error),
      });
    },
  });
}
