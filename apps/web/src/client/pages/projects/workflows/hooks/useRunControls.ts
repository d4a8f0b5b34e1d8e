/**
 * What a person's action on a run leads to: approve, resume and pause go straight to the API; cancel and delete
 * ask first; a re-run shows its preview first; a request for changes asks for its comment first. The pending
 * confirmation is state the page renders.
 */
import { useState } from 'react';
import type { Phase } from '../../../../../protocol/templates.ts';
import type { RerunRequest } from '../components/RerunPreviewDialog.tsx';
import type { ChangesRequest } from '../components/RequestChangesDialog.tsx';
import { useRunActions } from './useRunActions.ts';
import type { RunAction } from './useRunActions.ts';

export interface PendingConfirm {
  runId: string;
  runName: string;
  action: Extract<RunAction, { kind: 'cancel' | 'delete' }>;
}

export function useRunControls(projectId: string, lookup: (runId: string) => { name: string; phases: Phase[] }) {
  const actions = useRunActions(projectId);
  const [confirm, setConfirm] = useState<PendingConfirm | null>(null);
  const [rerun, setRerun] = useState<RerunRequest | null>(null);
  const [changes, setChanges] = useState<ChangesRequest | null>(null);

  const request = (runId: string, action: RunAction) => {
    const run = lookup(runId);
    if (action.kind === 'cancel' || action.kind === 'delete') setConfirm({ runId, runName: run.name, action });
    else if (action.kind === 'rerun') setRerun({ runId, runName: run.name, phase: action.phase, phases: run.phases });
    else if (action.kind === 'request-changes' && action.comment === undefined) {
      setChanges({ runId, runName: run.name, phases: run.phases });
    } else actions.mutate({ runId, action });
  };

  return {
    request,
    busy: actions.isPending,
    confirm,
    rerun,
    changes,
    closeConfirm: () => setConfirm(null),
    closeRerun: () => setRerun(null),
    closeChanges: () => setChanges(null),
    confirmChanges: (req: ChangesRequest, comment: string) => {
      actions.mutate({ runId: req.runId, action: { kind: 'request-changes', comment } });
      setChanges(null);
    },
    confirmPending: (onDone?: (action: RunAction) => void) => {
      if (!confirm) return;
      const { runId, action } = confirm;
      actions.mutate({ runId, action }, { onSuccess: () => onDone?.(action) });
      setConfirm(null);
    },
    confirmRerun: (req: RerunRequest) => {
      actions.mutate({ runId: req.runId, action: { kind: 'rerun', phase: req.phase } });
      setRerun(null);
    },
  };
}
