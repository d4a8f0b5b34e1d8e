/**
 * "Merge into <base>": the run detail's merge state as a button (when the server says `ready`) behind a
 * confirmation, or as the reason it cannot be merged. The result, or the server's refusal, is a toast; the detail
 * refreshes from the answer.
 */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { MergeAnswer } from '../../../../../protocol/runs.ts';
import type { RunDetail } from '../../../../../protocol/runs.ts';
import { ConfirmDialog } from '../../../../components/ConfirmDialog.tsx';
import { apiRequest } from '../../../../lib/api.ts';
import { useWorkflowStore } from '../stores/workflowStore.ts';

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** States worth a warning rather than a plain note: the user has something to do by hand. */
const NEEDS_HAND = new Set(['not_fast_forward', 'checkout_dirty', 'checked_out_elsewhere', 'base_missing']);

export function MergeAction({ run }: { run: RunDetail }) {
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const { merge, workspace } = run;
  const base = merge.base ?? 'its base';
  const mutation = useMutation({
    mutationFn: () => apiRequest(MergeAnswer, `/api/workflow-executions/${run.id}/merge`, { method: 'POST' }),
    onSuccess: (answer) => {
      setConfirming(false);
      client.setQueryData(['workflow-execution', run.id], answer.run);
      useWorkflowStore.getState().pushToast({
        tone: 'success',
        title: `Merged into ${answer.base}`,
        body:
          `${plural(answer.commits, 'commit')}, fast-forward to ${answer.to.slice(0, 12)}` +
          (answer.checkout_updated ? '; the main checkout’s files were updated.' : '; only the branch moved.'),
        runId: run.id,
      });
    },
    onError: (error) => {
      setConfirming(false);
      void client.invalidateQueries({ queryKey: ['workflow-execution', run.id] });
      useWorkflowStore.getState().pushToast({
        tone: 'danger',
        title: `Not merged into ${base}`,
        body: error instanceof Error ? error.message : String(error),
        runId: run.id,
      });
    },
  });

  if (merge.state === 'ready') {
    return (
      <div className="merge-action" data-testid="merge-action" data-state={merge.state}>
        <button
          className="btn btn-primary btn-sm"
          disabled={mutation.isPending}
          onClick={() => setConfirming(true)}
          data-testid="merge-run"
        >
          {mutation.isPending ? 'Merging…' : `Merge into ${base}`}
        </button>
        <span className="muted">{plural(merge.ahead, 'commit')}, fast-forward</span>
        <ConfirmDialog
          open={confirming}
          title={`Merge into ${base}?`}
          confirmLabel={`Merge into ${base}`}
          busy={mutation.isPending}
          onConfirm={() => mutation.mutate()}
          onOpenChange={setConfirming}
        >
          <p>
            {base} moves forward by {plural(merge.ahead, 'commit')} to the tip of{' '}
            <span className="mono">{workspace.branch}</span>. If {base} is checked out in the main checkout, its files
            are updated too; uncommitted changes there that the merge does not touch are kept.
          </p>
        </ConfirmDialog>
      </div>
    );
  }
  return (
    <p
      className={`merge-note${NEEDS_HAND.has(merge.state) ? ' merge-note-warn' : ''}`}
      data-testid="merge-action"
      data-state={merge.state}
    >
      {sentence(merge.reason)}
    </p>
  );
}

/** The server's reason as a sentence (a branch name that starts it keeps its case). */
function sentence(reason: string): string {
  const text = reason.startsWith('the ') ? `The ${reason.slice(4)}` : reason;
  return /[.!?)]$/.test(text) ? text : `${text}.`;
}
