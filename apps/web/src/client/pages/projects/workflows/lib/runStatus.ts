/** How each run and step status is shown: a label, a glyph and a tone. Colour is never the only signal. */
import type { RunStatus, StepStatus } from '@switchyard/workflow-engine/vocabulary';

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger' | 'muted' | 'accent';

export const RUN_STATUS_LOOK: Record<RunStatus, { label: string; glyph: string; tone: Tone }> = {
  pending: { label: 'Queued', glyph: '○', tone: 'neutral' },
  running: { label: 'Running', glyph: '●', tone: 'info' },
  paused: { label: 'Paused', glyph: '❚❚', tone: 'warning' },
  waiting: { label: 'Needs approval', glyph: '◆', tone: 'accent' },
  completed: { label: 'Completed', glyph: '✓', tone: 'success' },
  failed: { label: 'Failed', glyph: '✕', tone: 'danger' },
  cancelled: { label: 'Cancelled', glyph: '⊘', tone: 'muted' },
};

export const STEP_STATUS_LOOK: Record<StepStatus, { label: string; glyph: string; tone: Tone }> = {
  pending: { label: 'Pending', glyph: '○', tone: 'neutral' },
  running: { label: 'Running', glyph: '●', tone: 'info' },
  completed: { label: 'Completed', glyph: '✓', tone: 'success' },
  failed: { label: 'Failed', glyph: '✕', tone: 'danger' },
  skipped: { label: 'Skipped', glyph: '↷', tone: 'muted' },
  cancelled: { label: 'Cancelled', glyph: '⊘', tone: 'muted' },
};

export const ACTIVE_STATUSES: RunStatus[] = ['pending', 'running', 'paused', 'waiting', 'failed'];
export const isActive = (status: RunStatus) => ACTIVE_STATUSES.includes(status);
export const isFinished = (status: RunStatus) =>
  status === 'completed' || status === 'cancelled' || status === 'failed';
