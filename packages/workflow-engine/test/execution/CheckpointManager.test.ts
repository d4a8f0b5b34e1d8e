import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCheckpoint, CheckpointManager, runStateFromCheckpoint } from '../../src/execution/CheckpointManager.ts';
import type { JournalRecord } from '../../src/ports.ts';
import { newRunState } from '../../src/storage/runState.ts';
import { tempDir } from '../helpers.ts';

function record(stepId: string, index: number): JournalRecord {
  const at = new Date(0).toISOString();
  return {
    runId: 'run-1',
    stepId,
    index,
    name: stepId,
    phase: 'build',
    type: 'function',
    status: 'completed',
    attempt: 1,
    input: null,
    result: { status: 'completed', data: { index }, attempts: 1, startedAt: at, finishedAt: at },
    error: null,
    agentSessionId: index === 1 ? 'sess' : null,
    agentSessionRecordId: null,
    startedAt: at,
    finishedAt: at,
    invalidatedAt: null,
  };
}

describe('CheckpointManager', () => {
  it("writes the seed's checkpoint JSON, and rebuilds the run from it", async () => {
    const dir = await tempDir();
    const state = newRunState({ id: 'run-1', definitionId: 'demo', name: 'Demo', args: { n: 1 } }, new Date(0));
    state.run.currentPhase = 'build';
    state.run.currentStepIndex = 2;
    state.run.approvedGates = ['review'];
    const manager = new CheckpointManager(dir);
    await manager.save(() => buildCheckpoint(state.run, [record('a', 0), record('b', 1)], new Date(5)), 'b');
    const checkpoint = await manager.loadLatest();
    expect(checkpoint).toMatchObject({
      execution_id: 'run-1',
      timestamp: new Date(5).toISOString(),
      current_phase: 'build',
      current_step_index: 2,
      completed_step_ids: ['a', 'b'],
      step_results: { a: { data: { index: 0 } }, b: { data: { index: 1 }, agent_session_id: 'sess' } },
    });
    const rebuilt = runStateFromCheckpoint(checkpoint!, { n: 1 });
    expect(rebuilt.run).toMatchObject({
      id: 'run-1',
      definitionId: 'demo',
      args: { n: 1 },
      status: 'pending',
      approvedGates: ['review'],
    });
    expect(rebuilt.journal.map((r) => [r.stepId, r.status, r.agentSessionId])).toEqual([
      ['a', 'completed', null],
      ['b', 'completed', 'sess'],
    ]);
  });

  it('coalesces checkpoints that arrive faster than the disk takes them, always writing the newest', async () => {
    const dir = await tempDir();
    const manager = new CheckpointManager(dir);
    const run = newRunState({ id: 'run-1', definitionId: 'demo', name: 'Demo', args: {} }, new Date(0)).run;
    const journal: JournalRecord[] = [];
    const saves = [];
    for (let i = 0; i < 20; i++) {
      journal.push(record(`s${i}`, i));
      const snapshot = [...journal];
      saves.push(manager.save(() => buildCheckpoint(run, snapshot, new Date()), `s${i}`));
    }
    await Promise.all(saves);
    const files = await readdir(dir);
    // The first save starts writing at once; the other nineteen arrive while it writes, and only the newest waits.
    expect(files).toEqual(['000001-s0.json', '000002-s19.json']);
    expect((await manager.loadLatest())?.completed_step_ids).toHaveLength(20);
    expect(files.every((name) => !name.endsWith('.tmp'))).toBe(true);
  });

  it('numbers on from the files already there', async () => {
    const dir = await tempDir();
    const run = newRunState({ id: 'run-1', definitionId: 'demo', name: 'Demo', args: {} }, new Date(0)).run;
    await new CheckpointManager(dir).save(() => buildCheckpoint(run, [record('a', 0)], new Date()), 'a');
    await new CheckpointManager(dir).save(
      () => buildCheckpoint(run, [record('a', 0), record('b', 1)], new Date()),
      'b',
    );
    expect(await readdir(join(dir))).toEqual(['000001-a.json', '000002-b.json']);
  });
});
