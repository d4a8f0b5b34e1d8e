/**
 * A full disk under the executions folder, for real: a 64 KiB tmpfs. A log or checkpoint that cannot be written
 * pauses the run with the reason instead of letting it report completed; a run whose snapshot cannot be written is
 * not created and leaves no directory; no torn line is left in a step's events. Mounting needs root (as here and
 * in CI); where it is not permitted these tests say so and are skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import { inlineDefinition, tempDir } from '../helpers.ts';

function mount(dir: string, options: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

const probe = await tempDir();
const MOUNTABLE = mount(probe, 'size=64k') && spawnSync('umount', [probe]).status === 0;
if (!MOUNTABLE) {
  console.warn('\n⚠ mounting a tmpfs is not permitted here (it needs root): the full-disk tests are SKIPPED\n');
}

describe.skipIf(!MOUNTABLE)('a run on a full disk', () => {
  let executionsDir: string;
  let workingDir: string;
  beforeEach(async () => {
    workingDir = await tempDir();
    executionsDir = join(workingDir, 'executions');
    await mkdir(executionsDir);
    expect(mount(executionsDir, 'size=64k')).toBe(true);
  });
  afterEach(() => {
    spawnSync('umount', [executionsDir]);
  });

  const setup = async () => {
    const store = createMemoryRunStore();
    const executor = createExecutor({ store, executionsDir, workingDir });
    const definition = await inlineDefinition(workingDir, 'loud', {
      name: 'Loud',
      phases: ['work'],
      async execute(ctx) {
        // 200 KB of output: more than the disk holds.
        await ctx.step('loud', { type: 'script', phase: 'work', command: 'yes 0123456789abcdef | head -c 200000' });
      },
    });
    return { store, executor, definition };
  };

  test('pauses the run with the reason instead of completing it when a log cannot be written, and completes it once there is room', async () => {
    const { store, executor, definition } = await setup();
    const run = await executor.run(definition, {});
    expect(run.status).toBe('paused');
    expect((await store.getJournal(run.id)).map((record) => [record.stepId, record.status])).toEqual([
      ['loud', 'completed'],
    ]);
    const comments = await store.listComments(run.id);
    expect(comments.map((comment) => comment.text)).toEqual([
      "Paused: could not write the run's files (ENOSPC: no space left on device, write); make room or fix the folder's permissions, then resume",
    ]);
    // What was written of the events is whole lines only.
    const events = join(executionsDir, run.id, 'logs', 'loud', 'events.jsonl');
    const lines = (await readFile(events, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();

    // Room again: the step is not run a second time, and the run completes.
    await rm(events);
    await executor.resume(run.id);
    expect((await executor.execute(run.id, definition)).status).toBe('completed');
    expect((await store.getJournal(run.id)).map((record) => [record.stepId, record.attempt])).toEqual([['loud', 1]]);
  });

  test('does not create a run whose template cannot be pinned, and leaves no directory of it', async () => {
    const { store, executor, definition } = await setup();
    await writeFile(join(executionsDir, 'filler'), Buffer.alloc(64 * 1024)).catch(() => undefined);
    await expect(executor.start(definition, {})).rejects.toThrow(/ENOSPC: no space left on device/);
    expect(await store.listRuns()).toEqual([]);
    expect(await readdir(executionsDir)).toEqual(['filler']);
  });

  test('does not create a run in a read-only folder', async () => {
    const { store, executor, definition } = await setup();
    expect(spawnSync('mount', ['-o', 'remount,ro', executionsDir]).status).toBe(0);
    await expect(executor.start(definition, {})).rejects.toThrow(/EROFS: read-only file system/);
    expect(await store.listRuns()).toEqual([]);
    expect(await readdir(executionsDir)).toEqual([]);
  });
});
