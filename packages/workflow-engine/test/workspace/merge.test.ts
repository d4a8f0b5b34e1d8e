/**
 * Merging a run's branch into its base on real repositories: a fast-forward that moves the main checkout's files
 * when the base is checked out there, the ref alone when it is not, and each refusal with its reason — the
 * repository unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { ExecutionFiles } from '../../src/storage/FileSystemStorage.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import { checkMerge, mergeIntoBase } from '../../src/workspace/merge.ts';
import type { WorktreeRecord } from '../../src/workspace/worktree.ts';
import { inlineDefinition, tempDir } from '../helpers.ts';
import { git, gitRepo } from './gitRepo.ts';

/** A run that appends `word` to notes.txt in its worktree, finished; answers its workspace record. */
async function finishedRun(
  project: string,
  options: { word?: string; base?: string; command?: string } = {},
): Promise<WorktreeRecord> {
  const executionsDir = join(project, '.agent', 'workflows', 'executions');
  const executor = createExecutor({ store: createMemoryRunStore(), executionsDir, workingDir: project });
  const definition = await inlineDefinition(await tempDir(), 'notes', {
    name: 'Notes',
    phases: ['write'],
    args: z.object({}),
    async execute(ctx) {
      await ctx.step('write', {
        phase: 'write',
        command: options.command ?? `printf '%s\\n' ${options.word ?? 'alpha'} >> notes.txt`,
      });
    },
  });
  const run = await executor.start(definition, {}, options.base ? { base: options.base } : {});
  expect((await executor.execute(run.id, definition)).status).toBe('completed');
  return (await new ExecutionFiles(executionsDir, run.id).readWorkspace()) as WorktreeRecord;
}

/** A commit on main in the main checkout, as a person working beside the run would make. */
function commitOnMain(project: string, file: string, content: string): void {
  writeFileSync(join(project, file), content);
  git(project, 'add', file);
  git(project, 'commit', '--quiet', '-m', `edit ${file}`);
}

describe('merging a run into its base', () => {
  it('fast-forwards the base checked out in a clean main checkout, its files with it', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n', '.gitignore': '.agent/\n' });
    const record = await finishedRun(project);
    const tip = git(project, 'rev-parse', record.branch);

    expect(await checkMerge(record)).toMatchObject({ state: 'ready', base: 'main', ahead: 1, behind: 0 });
    const outcome = await mergeIntoBase(record);

    expect(outcome).toEqual({
      merged: true,
      base: 'main',
      from: record.base,
      to: tip,
      commits: 1,
      checkoutUpdated: true,
    });
    expect(git(project, 'rev-parse', 'main')).toBe(tip);
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('start\nalpha\n');
    expect(git(project, 'status', '--porcelain')).toBe('');
    expect(await checkMerge(record)).toMatchObject({ state: 'merged', ahead: 0 });
    expect(await mergeIntoBase(record)).toMatchObject({ merged: false, check: { state: 'merged' } });
  });

  it('refuses when the base moved on, saying how many commits each side has and how to merge by hand', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n', '.gitignore': '.agent/\n' });
    const record = await finishedRun(project);
    commitOnMain(project, 'other.txt', 'one\n');
    commitOnMain(project, 'other.txt', 'two\n');
    const mainBefore = git(project, 'rev-parse', 'main');

    const outcome = await mergeIntoBase(record);

    expect(outcome.merged).toBe(false);
    const { check } = outcome as Extract<typeof outcome, { merged: false }>;
    expect(check).toMatchObject({ state: 'not_fast_forward', ahead: 1, behind: 2 });
    expect(check.reason).toBe(
      `main has moved on: it has 2 commits that ${record.branch} lacks, and the branch has 1 commit of its own, so ` +
        `main cannot be fast-forwarded; rebase the branch by hand (git rebase main ${record.branch}) and merge ` +
        `again, or merge it with a merge commit (git switch main && git merge ${record.branch})`,
    );
    expect(git(project, 'rev-parse', 'main')).toBe(mainBefore);
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('start\n');
  });

  it('refuses when uncommitted changes in the main checkout touch a file the merge changes, and keeps others', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n', 'todo.txt': 'x\n', '.gitignore': '.agent/\n' });
    const record = await finishedRun(project);
    writeFileSync(join(project, 'notes.txt'), 'my own edit\n');

    const refused = await mergeIntoBase(record);

    expect(refused).toMatchObject({ merged: false, check: { state: 'checkout_dirty' } });
    expect((refused as { check: { reason: string } }).check.reason).toBe(
      `the main checkout (${record.repository}) has uncommitted changes to 1 file the merge would change ` +
        `(notes.txt); commit or stash them, then merge again`,
    );
    expect(git(project, 'rev-parse', 'main')).toBe(record.base);
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('my own edit\n');

    // An uncommitted change the merge does not touch stays as it is, and the merge goes ahead.
    git(project, 'checkout', '--', 'notes.txt');
    writeFileSync(join(project, 'todo.txt'), 'y\n');
    expect(await mergeIntoBase(record)).toMatchObject({ merged: true, checkoutUpdated: true });
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('start\nalpha\n');
    expect(readFileSync(join(project, 'todo.txt'), 'utf8')).toBe('y\n');
  });

  it('refuses an untracked file in the main checkout that the merge would create', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n', '.gitignore': '.agent/\n' });
    const record = await finishedRun(project, { command: `printf 'run\\n' > new.txt` });
    writeFileSync(join(project, 'new.txt'), 'mine\n');

    expect(await mergeIntoBase(record)).toMatchObject({ merged: false, check: { state: 'checkout_dirty' } });
    expect(readFileSync(join(project, 'new.txt'), 'utf8')).toBe('mine\n');
  });

  it('moves only the ref of a base checked out nowhere, leaving the main checkout as it is', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n', '.gitignore': '.agent/\n' });
    const record = await finishedRun(project);
    git(project, 'switch', '--quiet', '-c', 'elsewhere');

    expect(await mergeIntoBase(record)).toMatchObject({ merged: true, checkoutUpdated: false });
    expect(git(project, 'rev-parse', 'main')).toBe(git(project, 'rev-parse', record.branch));
    expect(git(project, 'symbolic-ref', '--short', 'HEAD')).toBe('elsewhere');
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('start\n');
    expect(git(project, 'status', '--porcelain')).toBe('');
  });

  it('refuses a base checked out in another worktree, whose files would be left behind', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n', '.gitignore': '.agent/\n' });
    const record = await finishedRun(project);
    git(project, 'switch', '--quiet', '-c', 'elsewhere');
    const other = join(await tempDir(), 'other');
    git(project, 'worktree', 'add', '--quiet', other, 'main');

    const refused = await mergeIntoBase(record);

    expect(refused).toMatchObject({ merged: false, check: { state: 'checked_out_elsewhere' } });
    expect((refused as { check: { reason: string } }).check.reason).toContain(`git -C ${other} merge --ff-only`);
    expect(git(project, 'rev-parse', 'main')).toBe(record.base);
  });

  it('says when there is nothing to merge, or the branch or base is gone, or the run started from a commit', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n', '.gitignore': '.agent/\n' });
    expect(await checkMerge(await finishedRun(project, { command: 'true' }))).toMatchObject({
      state: 'nothing_to_merge',
    });

    const gone = await finishedRun(project);
    git(project, 'worktree', 'remove', '--force', gone.path);
    git(project, 'branch', '--quiet', '-D', gone.branch);
    expect(await checkMerge(gone)).toMatchObject({ state: 'branch_missing' });

    const fromFeature = await finishedRun(project, { base: 'main' });
    expect(fromFeature.baseRef).toBe('main');
    expect(await checkMerge({ ...fromFeature, baseRef: 'feature' })).toMatchObject({
      state: 'base_missing',
      reason: `the base branch feature no longer exists; recreate it, or merge ${fromFeature.branch} by hand where you want it`,
    });

    const fromCommit = await finishedRun(project, { base: git(project, 'rev-parse', 'HEAD') });
    expect(fromCommit.baseRef).toBeNull();
    expect(await checkMerge(fromCommit)).toMatchObject({ state: 'no_base_branch' });
    expect(git(project, 'rev-parse', 'main')).toBe(gone.base);
  });
});
