import { describe, expect, it } from 'vitest';
import { columnOf, decideDrop } from './dropRules.ts';

const phases = [
  { id: 'build', label: 'Build' },
  { id: 'review', label: 'Review', gate: 'manual' as const },
  { id: 'ship', label: 'Ship' },
];

describe('dropping a card on a phase column', () => {
  it('approves the gate a waiting run stands before', () => {
    const card = { status: 'waiting' as const, current_phase: 'build', waiting_gate: 'review' };
    expect(decideDrop(card, 'review', phases)).toEqual({ kind: 'advance', gate: 'review' });
  });

  it('refuses to skip phases, naming why', () => {
    const card = { status: 'waiting' as const, current_phase: 'build', waiting_gate: 'review' };
    expect(decideDrop(card, 'ship', phases)).toEqual({
      kind: 'refuse',
      reason: 'a run cannot skip phases: its steps move it forward',
    });
  });

  it('refuses a gate the run has not reached', () => {
    const card = { status: 'running' as const, current_phase: 'build', waiting_gate: null };
    expect(decideDrop(card, 'review', phases)).toEqual({
      kind: 'refuse',
      reason: 'the run has not reached the Review gate yet',
    });
  });

  it('re-runs from an earlier phase when the run is not executing', () => {
    for (const status of ['paused', 'waiting', 'failed', 'completed'] as const) {
      const card = { status, current_phase: 'ship', waiting_gate: null };
      expect(decideDrop(card, 'build', phases)).toEqual({ kind: 'rerun', phase: 'build' });
    }
  });

  it('asks for a pause before re-running an executing run', () => {
    const card = { status: 'running' as const, current_phase: 'ship', waiting_gate: null };
    expect(decideDrop(card, 'build', phases).kind).toBe('refuse');
  });

  it('does nothing when a card is dropped on its own column; a run that has not started is in the first', () => {
    const card = { status: 'pending' as const, current_phase: null, waiting_gate: null };
    expect(columnOf(card, phases)).toBe('build');
    expect(decideDrop(card, 'build', phases)).toEqual({ kind: 'none' });
  });
});
