import { describe, expect, it } from 'vitest';
import type { Board, BoardCard } from '../../../../../protocol/board.ts';
import { patchBoard } from './boardPatch.ts';
import { waitingLabel, waitingOnYou } from './waiting.ts';

const RUN = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';
const TEMPLATE = '00000000-0000-4000-8000-0000000000aa';
const NOW = '2026-12-01T12:00:00.000Z';
const phases = [
  { id: 'build', label: 'Build' },
  { id: 'review', label: 'Review', gate: 'manual' as const },
  { id: 'ship', label: 'Ship' },
];

function card(id: string, changes: Partial<BoardCard> = {}): BoardCard {
  return {
    id,
    project_id: TEMPLATE,
    workflow_definition_id: TEMPLATE,
    name: `run ${id.slice(-1)}`,
    status: 'running',
    current_phase: 'build',
    waiting_gate: null,
    pause_requested: null,
    error: null,
    args_preview: '{}',
    steps_done: 0,
    steps_total: 2,
    current_step: null,
    activity: null,
    cost_usd: 0,
    phase_entered_at: null,
    comment_count: 0,
    artifact_count: 0,
    started_at: NOW,
    completed_at: null,
    created_at: NOW,
    updated_at: NOW,
    ...changes,
  };
}

const board = (): Board => ({
  project_id: TEMPLATE,
  cards: [card(RUN), card(OTHER)],
  counts: { running: 2 },
  count_limit: 1_000,
});
const patch = (b: Board, event: Parameters<typeof patchBoard>[1]) => patchBoard(b, event, () => phases, NOW);

describe('patching the board with a WebSocket event', () => {
  it('changes only the card the event names, keeping the others as they were', () => {
    const before = board();
    const after = patch(before, {
      type: 'workflow.step.progress',
      data: {
        execution_id: RUN,
        step_id: 'build',
        phase: 'build',
        progress: { kind: 'output', stream: 'stdout', text: 'a\nlast line\n' },
      },
    })!;
    expect(after.cards[0]!.activity).toBe('last line');
    expect(after.cards[1]).toBe(before.cards[1]);
    expect(before.cards[0]!.activity).toBeNull();
  });

  it('adds a finished step and its agent’s cost', () => {
    const after = patch(board(), {
      type: 'workflow.step.completed',
      data: {
        execution_id: RUN,
        step_id: 'build',
        phase: 'build',
        status: 'completed',
        result: { status: 'completed', data: { costUsd: 0.25 }, attempts: 1, startedAt: NOW, finishedAt: NOW },
      },
    })!;
    expect(after.cards[0]).toMatchObject({ steps_done: 1, cost_usd: 0.25 });
  });

  it('moves counts and finds the gate a run now waits at', () => {
    const after = patch(board(), {
      type: 'workflow.execution.status_changed',
      data: { execution_id: RUN, status: 'waiting', previous_status: 'running' },
    })!;
    expect(after.cards[0]).toMatchObject({ status: 'waiting', waiting_gate: 'review' });
    expect(after.counts).toEqual({ running: 1, waiting: 1 });
  });

  it('keeps a run that went to sleep off every gate and out of the Waiting-on-you lane, with its wake time', () => {
    const wakeAt = '2026-12-01T13:00:00.000Z';
    const after = patch(board(), {
      type: 'workflow.execution.status_changed',
      data: { execution_id: RUN, status: 'waiting', previous_status: 'running', wake_at: wakeAt },
    })!;
    expect(after.cards[0]).toMatchObject({ status: 'waiting', waiting_gate: null, wake_at: wakeAt });
    expect(waitingOnYou(after.cards).map((c) => c.id)).not.toContain(RUN);
    expect(waitingLabel(after.cards[0]!)).toBe('Sleeping');
    const awake = patch(after, {
      type: 'workflow.execution.status_changed',
      data: { execution_id: RUN, status: 'running', previous_status: 'waiting' },
    })!;
    expect(awake.cards[0]).toMatchObject({ status: 'running', wake_at: null });
  });

  it('keeps a run waiting for an event out of the Waiting-on-you lane', () => {
    const waiting = card(RUN, {
      status: 'waiting',
      current_step: { id: '', step_id: 'hook', name: 'hook', type: 'event', status: 'running', started_at: NOW },
    } as Partial<BoardCard>);
    expect(waitingOnYou([waiting])).toEqual([]);
    expect(waitingLabel(waiting)).toBe('Waiting for event');
  });

  it('answers null for a run the board has not seen, so the caller fetches the board', () => {
    expect(
      patch(board(), {
        type: 'workflow.execution.phase_changed',
        data: { execution_id: '00000000-0000-4000-8000-000000000009', phase: 'ship', previous_phase: null },
      }),
    ).toBeNull();
  });
});
