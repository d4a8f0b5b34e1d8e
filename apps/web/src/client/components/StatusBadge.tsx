import type { RunStatus, StepStatus } from '@switchyard/workflow-engine/vocabulary';
import { RUN_STATUS_LOOK, STEP_STATUS_LOOK } from '../pages/projects/workflows/lib/runStatus.ts';

/** A status as a pill: glyph, word and tone together, so it reads without colour. */
export function StatusBadge({ status, kind = 'run' }: { status: RunStatus | StepStatus; kind?: 'run' | 'step' }) {
  const look = kind === 'run' ? RUN_STATUS_LOOK[status as RunStatus] : STEP_STATUS_LOOK[status as StepStatus];
  return (
    <span className={`badge tone-${look.tone}`} data-status={status}>
      {status === 'running' ? <span className="spinner" aria-hidden /> : <span aria-hidden>{look.glyph}</span>}
      {look.label}
    </span>
  );
}
