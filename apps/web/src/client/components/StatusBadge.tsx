import type { RunStatus, StepStatus } from '@switchyard/workflow-engine/vocabulary';
import { RUN_STATUS_LOOK, STEP_STATUS_LOOK } from '../pages/projects/workflows/lib/runStatus.ts';

/**
 * A status as a pill: glyph, word and tone together, so it reads without colour. `label` says more precisely what a
 * status means for this run (a waiting run may sleep, or ask for input, rather than need approval).
 */
export function StatusBadge({
  status,
  kind = 'run',
  label,
}: {
  status: RunStatus | StepStatus;
  kind?: 'run' | 'step';
  label?: string | undefined;
}) {
  const base = kind === 'run' ? RUN_STATUS_LOOK[status as RunStatus] : STEP_STATUS_LOOK[status as StepStatus];
  const look = label ? { ...base, label } : base;
  return (
    <span className={`badge tone-${look.tone}`} data-status={status}>
      {status === 'running' ? <span className="spinner" aria-hidden /> : <span aria-hidden>{look.glyph}</span>}
      {look.label}
    </span>
  );
}
