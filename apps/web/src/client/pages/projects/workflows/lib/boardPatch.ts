/**
 * Applies one WebSocket event to the board's cached cards, immutably: the card it names changes, the others keep
 * their identity (so React re-renders one card, not a thousand). Returns null when the cache cannot be patched
 * (a run the board has not seen), and the caller refetches.
 */
import type { Board, BoardCard } from '../../../../../protocol/board.ts';
import type { WorkflowEvent } from '../../../../../protocol/events.ts';
import type { Phase } from '../../../../../protocol/templates.ts';
import { describeProgress } from './activityLine.ts';

export function costOf(result: unknown): number {
  const data = (result as { data?: { costUsd?: unknown } } | null)?.data;
  return typeof data?.costUsd === 'number' && Number.isFinite(data.costUsd) ? data.costUsd : 0;
}

/** The gate a run that just started waiting stands before: the first unapproved gate after its phase. */
function nextGate(card: BoardCard, phases: Phase[] | undefined): string | null {
  if (!phases) return card.waiting_gate;
  const from = phases.findIndex((p) => p.id === card.current_phase);
  return phases.slice(from + 1).find((p) => p.gate === 'manual')?.id ?? card.waiting_gate;
}

function patchCard(card: BoardCard, event: WorkflowEvent, phases: Phase[] | undefined, now: string): BoardCard {
  switch (event.type) {
    case 'workflow.execution.status_changed': {
      const status = event.data.status;
      return {
        ...card,
        status,
        error: event.data.error ?? (status === 'failed' ? card.error : null),
        waiting_gate: status === 'waiting' && !event.data.wake_at ? nextGate(card, phases) : null,
        wake_at: status === 'waiting' ? (event.data.wake_at ?? null) : null,
        pause_requested: status === 'paused' || status === 'running' ? null : card.pause_requested,
        completed_at: status === 'completed' ? now : card.completed_at,
        updated_at: now,
      };
    }
    case 'workflow.execution.phase_changed':
      return { ...card, current_phase: event.data.phase, phase_entered_at: now, updated_at: now };
    case 'workflow.step.started':
      return {
        ...card,
        current_step: {
          id: card.current_step?.step_id === event.data.step_id ? card.current_step.id : '',
          step_id: event.data.step_id,
          name: event.data.name,
          phase: event.data.phase,
          type: event.data.step_type,
          status: 'running',
          started_at: now,
        },
        activity: null,
        updated_at: now,
      };
    case 'workflow.step.progress': {
      const line = describeProgress(event.data.progress);
      return line ? { ...card, activity: line } : card;
    }
    case 'workflow.step.completed':
      return {
        ...card,
        steps_done: card.steps_done + 1,
        cost_usd: card.cost_usd + costOf(event.data.result),
        additions: (card.additions ?? 0) + (event.data.result.changes?.additions ?? 0),
        deletions: (card.deletions ?? 0) + (event.data.result.changes?.deletions ?? 0),
        current_step: card.current_step && { ...card.current_step, status: event.data.status },
        updated_at: now,
      };
    case 'workflow.comment.created':
      return { ...card, comment_count: card.comment_count + 1 };
    case 'workflow.artifact.created':
      return { ...card, artifact_count: card.artifact_count + 1 };
  }
}

export function patchBoard(
  board: Board,
  event: WorkflowEvent,
  phasesOf: (templateId: string) => Phase[] | undefined,
  now = new Date().toISOString(),
): Board | null {
  const index = board.cards.findIndex((card) => card.id === event.data.execution_id);
  if (index < 0) return null;
  const card = board.cards[index]!;
  const patched = patchCard(card, event, phasesOf(card.workflow_definition_id), now);
  if (patched === card) return board;
  const cards = board.cards.slice();
  cards[index] = patched;
  let counts = board.counts;
  if (patched.status !== card.status) {
    counts = { ...counts, [card.status]: Math.max(0, (counts[card.status] ?? 1) - 1) };
    counts[patched.status] = (counts[patched.status] ?? 0) + 1;
  }
  return { ...board, cards, counts };
}
