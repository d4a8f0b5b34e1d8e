/**
 * What dropping a card on a phase column means. Only two drops change anything: into the gate a waiting run stands
 * before (approve it: `advance`), or back to an earlier phase (re-run from there, after a preview). Every other
 * drop is refused with the reason shown to the person, and the card returns to its column.
 */
import type { BoardCard } from '../../../../../protocol/board.ts';
import type { Phase } from '../../../../../protocol/templates.ts';

export type DropDecision =
  | { kind: 'none' }
  | { kind: 'advance'; gate: string }
  | { kind: 'rerun'; phase: string }
  | { kind: 'refuse'; reason: string };

type DropCard = Pick<BoardCard, 'status' | 'current_phase' | 'waiting_gate'>;

/** The column a card stands in: its current phase, or the first phase before it has started. */
export function columnOf(card: DropCard, phases: Phase[]): string | null {
  return card.current_phase ?? phases[0]?.id ?? null;
}

export function decideDrop(card: DropCard, targetPhase: string, phases: Phase[]): DropDecision {
  const from = columnOf(card, phases);
  if (from === targetPhase) return { kind: 'none' };
  const fromIndex = phases.findIndex((p) => p.id === from);
  const toIndex = phases.findIndex((p) => p.id === targetPhase);
  const target = phases[toIndex];
  if (!target) return { kind: 'refuse', reason: 'that column is not a phase of this run’s template' };

  if (toIndex > fromIndex) {
    if (card.status === 'waiting' && card.waiting_gate === targetPhase) return { kind: 'advance', gate: targetPhase };
    if (target.gate === 'manual' && toIndex === fromIndex + 1) {
      return { kind: 'refuse', reason: `the run has not reached the ${target.label} gate yet` };
    }
    return { kind: 'refuse', reason: 'a run cannot skip phases: its steps move it forward' };
  }
  if (card.status === 'running' || card.status === 'pending') {
    return { kind: 'refuse', reason: 'pause the run before re-running an earlier phase' };
  }
  return { kind: 'rerun', phase: targetPhase };
}
