/**
 * Before a re-run: what it supersedes — the steps of that phase and every later one, with their status, and the
 * artifacts and comments made there, which stay as history. Confirming re-runs from the phase.
 */
import type { Phase } from '../../../../../protocol/templates.ts';
import { ConfirmDialog } from '../../../../components/ConfirmDialog.tsx';
import { StatusBadge } from '../../../../components/StatusBadge.tsx';
import { useRun, useRunHistory } from '../hooks/useWorkflowRuns.ts';

export interface RerunRequest {
  runId: string;
  runName: string;
  phase: string;
  phases: Phase[];
}

export function RerunPreviewDialog(props: {
  request: RerunRequest | null;
  busy: boolean;
  onConfirm(request: RerunRequest): void;
  onClose(): void;
}) {
  const { request } = props;
  const run = useRun(request?.runId ?? null);
  const history = useRunHistory(request?.runId ?? null);
  const from = request ? request.phases.findIndex((p) => p.id === request.phase) : -1;
  const phases = new Set(request?.phases.slice(Math.max(0, from)).map((p) => p.id));
  const steps = (run.data?.steps ?? []).filter((s) => phases.has(s.phase));
  const stepIds = new Set(steps.map((s) => s.id));
  const artifacts = (history.data?.artifacts ?? []).filter((a) => stepIds.has(a.workflow_run_step_id));
  const comments = (run.data?.comments ?? []).filter(
    (c) => c.workflow_run_step_id !== null && stepIds.has(c.workflow_run_step_id),
  );
  const label = request?.phases[from]?.label ?? request?.phase;
  return (
    <ConfirmDialog
      open={request !== null}
      title={`Re-run ${request?.runName ?? ''} from ${label ?? ''}?`}
      confirmLabel={`Re-run from ${label ?? ''}`}
      busy={props.busy}
      onOpenChange={(open) => !open && props.onClose()}
      onConfirm={() => request && props.onConfirm(request)}
    >
      <div data-testid="rerun-preview">
        {run.isPending ? (
          <p className="muted">Loading what the re-run supersedes…</p>
        ) : steps.length === 0 ? (
          <p>No step of these phases has run yet; the run simply carries on from {label}.</p>
        ) : (
          <>
            <p>These steps run again. Their current records are kept as superseded history in the timeline.</p>
            <ul className="preview-list">
              {steps.map((step) => (
                <li key={step.id}>
                  <StatusBadge status={step.status} kind="step" /> {step.name}
                  <span className="muted"> · {step.phase}</span>
                </li>
              ))}
            </ul>
            {(artifacts.length > 0 || comments.length > 0) && (
              <p className="muted">
                {artifacts.length} artifact{artifacts.length === 1 ? '' : 's'} and {comments.length} comment
                {comments.length === 1 ? '' : 's'} made there stay, as history.
              </p>
            )}
          </>
        )}
      </div>
    </ConfirmDialog>
  );
}
