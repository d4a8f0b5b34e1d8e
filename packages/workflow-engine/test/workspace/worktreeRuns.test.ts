import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkspaceError } from '../../src/errors.ts';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { ExecutionFiles } from '../../src/storage/FileSystemStorage.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { ScriptOutput } from '../../src/types/step.ts';
import type { WorktreeRecord } from '../../src/workspace/worktree.ts';
import { inlineDefinition, tempDir } from '../helpers.ts';
import { commitsOf, git, gitRepo } from './gitRepo.ts';

function setup(project: string) {
  const store = createMemoryRunStore();
  const executionsDir = join(project, '.agent', 'workflows', 'executions');
  const executor = createExecutor({ store, executionsDir, workingDir: project, retryBaseDelayMs: 10 });
  const workspaceOf = async (runId: string) =>
    (await new ExecutionFiles(executionsDir, runId).readWorkspace()) as WorktreeRecord;
  return { store, executor, executionsDir, workspaceOf };
}

/** Two phases: `write` edits notes.txt, `check` hashes it and appends to it; `look` changes nothing. */
async function notesTemplate() {
  // The template's file lives outside the project, so that the main checkout's status shows only what runs did.
  return inlineDefinition(await tempDir(), 'notes', {
    name: 'Notes',
    phases: ['write', 'check'],
    args: z.object({ word: z.string() }),
    async execute(ctx, args) {
      await ctx.step('write-notes', {
        phase: 'write',
        name: 'Write the notes',
        command: `printf '%s\\n' "${args.word}" >> notes.txt && mkdir -p out && printf 'made\\n' > out/made.txt`,
      });
      await ctx.step('look', { phase: 'write', command: 'cat notes.txt' });
      const before = await ctx.step<ScriptOutput>('check-notes', {
        phase: 'check',
        name: 'Check the notes',
        command: `sha256sum notes.txt && head -c 64 /dev/urandom >> notes.txt`,
      });
      return before.data.stdout.split(' ')[0];
    },
  });
}

describe('worktree runs', () => {
  it('work on a branch of their own in .agent/worktrees and commit each step that changed files', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n' });
    const mainHead = git(project, 'rev-parse', 'HEAD');
    const { store, executor, workspaceOf } = setup(project);
    const definition = await notesTemplate();

    const run = await executor.run(definition, { word: 'alpha' });

    expect(run.status).toBe('completed');
    const workspace = await workspaceOf(run.id);
    expect(workspace).toMatchObject({
      mode: 'worktree',
      branch: `switchyard/${run.id.slice(0, 8)}-notes`,
      base: mainHead,
      baseRef: 'main',
      path: join(git(project, 'rev-parse', '--show-toplevel'), '.agent', 'worktrees', run.id),
    });
    expect(readFileSync(join(workspace.path, 'notes.txt'), 'utf8')).toMatch(/^start\nalpha\n/);
    expect(commitsOf(project, `${mainHead}..${workspace.branch}`)).toEqual([
      { subject: 'write-notes: Write the notes', author: 'Switchyard <switchyard@localhost>', run: run.id },
      { subject: 'check-notes: Check the notes', author: 'Switchyard <switchyard@localhost>', run: run.id },
    ]);
    // Each commit is journaled with its step; the step that changed nothing has none.
    const journal = await store.getJournal(run.id);
    const commits = journal.map((record) => [record.stepId, record.result?.commit]);
    expect(commits).toEqual([
      ['write-notes', git(project, 'rev-parse', `${workspace.branch}~1`)],
      ['look', undefined],
      ['check-notes', git(project, 'rev-parse', workspace.branch)],
    ]);
    // With what each commit changed: notes.txt gained a line, out/made.txt is new.
    expect(journal[0]!.result?.changes).toEqual({ files: 2, additions: 2, deletions: 0 });
    expect(journal[1]!.result?.changes).toBeUndefined();
    // The main checkout is untouched: same HEAD, same file, nothing to commit (the worktree folder is excluded).
    expect(git(project, 'rev-parse', 'HEAD')).toBe(mainHead);
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('start\n');
    expect(git(project, 'status', '--porcelain', '--', '.', ':!.agent/workflows/executions')).toBe('');
    expect(git(project, 'fsck', '--no-progress')).toBe('');
  });

  it('keep two parallel runs of one template that edit the same file apart', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n' });
    const { executor, workspaceOf } = setup(project);
    const definition = await notesTemplate();

    const [a, b] = await Promise.all([
      executor.run(definition, { word: 'from-a' }),
      executor.run(definition, { word: 'from-b' }),
    ]);

    expect([a.status, b.status]).toEqual(['completed', 'completed']);
    const [wa, wb] = [await workspaceOf(a.id), await workspaceOf(b.id)];
    expect(wa.branch).not.toBe(wb.branch);
    const show = (branch: string) => git(project, 'show', `${branch}~1:notes.txt`);
    expect(show(wa.branch)).toBe('start\nfrom-a');
    expect(show(wb.branch)).toBe('start\nfrom-b');
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('start\n');
  });

  it('re-run from a phase resets the files to the commit before it, byte for byte, and keeps the old attempt', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n' });
    const { store, executor, workspaceOf } = setup(project);
    const definition = await notesTemplate();
    const first = await executor.run(definition, { word: 'alpha' });
    const workspace = await workspaceOf(first.id);
    const afterWrite = git(project, 'rev-parse', `${workspace.branch}~1`);
    const firstTip = git(project, 'rev-parse', workspace.branch);
    const expectedHash = createHash('sha256')
      .update(git(project, 'show', `${afterWrite}:notes.txt`) + '\n')
      .digest('hex');

    await executor.rerun(first.id, 'check', definition);
    const again = await executor.execute(first.id, definition);

    expect(again.status).toBe('completed');
    // The re-run step saw notes.txt exactly as the first attempt's check step did.
    expect(again.output).toBe(expectedHash);
    expect(first.output).toBe(expectedHash);
    const secondTip = git(project, 'rev-parse', workspace.branch);
    expect(git(project, 'rev-parse', `${secondTip}~1`)).toBe(afterWrite);
    expect(secondTip).not.toBe(firstTip);
    // The superseded attempt stays reachable.
    expect(git(project, 'rev-parse', `refs/switchyard/${first.id}/attempts/1`)).toBe(firstTip);
    // And the worktree holds exactly what the branch's tip holds.
    expect(git(workspace.path, 'status', '--porcelain')).toBe('');
    const history = await store.getJournal(first.id, { includeInvalidated: true });
    expect(history.filter((r) => r.stepId === 'check-notes').map((r) => r.result?.commit)).toEqual([
      firstTip,
      secondTip,
    ]);
  });

  it('keeps what an interrupted step left on a side ref, and starts it again from the last journaled commit', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n' });
    const { executor, workspaceOf } = setup(project);
    let failOnce = true;
    const definition = await inlineDefinition(await tempDir(), 'flaky', {
      name: 'Flaky',
      phases: ['work'],
      async execute(ctx) {
        await ctx.step('first', { phase: 'work', command: `printf 'one\\n' > one.txt` });
        await ctx.step('second', {
          phase: 'work',
          run: () => {
            if (failOnce) {
              failOnce = false;
              throw new Error('crashed halfway');
            }
            return 'done';
          },
        });
      },
    });
    const failed = await executor.run(definition, {});
    expect(failed.status).toBe('failed');
    const workspace = await workspaceOf(failed.id);
    const afterFirst = git(project, 'rev-parse', workspace.branch);
    // What a killed step would leave behind: a changed file and a new one, uncommitted.
    writeFileSync(join(workspace.path, 'one.txt'), 'half-written');
    writeFileSync(join(workspace.path, 'stray.txt'), 'stray');

    await executor.resume(failed.id);
    const resumed = await executor.execute(failed.id, definition);

    expect(resumed.status).toBe('completed');
    expect(readFileSync(join(workspace.path, 'one.txt'), 'utf8')).toBe('one\n');
    expect(existsSync(join(workspace.path, 'stray.txt'))).toBe(false);
    const side = `refs/switchyard/${failed.id}/interrupted/1`;
    expect(git(project, 'show', `${side}:one.txt`)).toBe('half-written');
    expect(git(project, 'show', `${side}:stray.txt`)).toBe('stray');
    expect(git(project, 'rev-parse', workspace.branch)).toBe(afterFirst);
    expect(git(project, 'fsck', '--no-progress')).toBe('');
  });

  it('recreates a worktree deleted by hand from its branch when the run goes on', async () => {
    const project = await gitRepo();
    const { executor, workspaceOf, store } = setup(project);
    const definition = await inlineDefinition(await tempDir(), 'gated', {
      name: 'Gated',
      phases: ['one', { id: 'two', gate: 'manual' }],
      async execute(ctx) {
        await ctx.step('a', { phase: 'one', command: `printf 'a\\n' > a.txt` });
        await ctx.step('b', { phase: 'two', command: `cat a.txt > b.txt` });
      },
    });
    const waiting = await executor.run(definition, {});
    expect(waiting.status).toBe('waiting');
    const workspace = await workspaceOf(waiting.id);
    rmSync(workspace.path, { recursive: true, force: true });

    await executor.advance(waiting.id);
    const done = await executor.execute(waiting.id, definition);

    expect(done.status).toBe('completed');
    expect(readFileSync(join(workspace.path, 'b.txt'), 'utf8')).toBe('a\n');
    expect(commitsOf(project, `main..${workspace.branch}`).map((c) => c.subject)).toEqual(['a: a', 'b: b']);
    const comments = await store.listComments(waiting.id);
    expect(comments.map((c) => c.text)).toContain(
      `The run's worktree was missing; it was recreated from branch ${workspace.branch}`,
    );
  });
  it('runs the steps of a project in a repository’s subdirectory in that subdirectory of the worktree', async () => {
    const repo = await gitRepo({ 'app/notes.txt': 'start\n', 'lib/other.txt': 'x\n' });
    const project = join(repo, 'app');
    const { executor, workspaceOf } = setup(project);

    const run = await executor.run(await notesTemplate(), { word: 'sub' });

    expect(run.status).toBe('completed');
    const workspace = await workspaceOf(run.id);
    expect(workspace).toMatchObject({ subdir: 'app', path: join(project, '.agent', 'worktrees', run.id) });
    expect(git(repo, 'show', `${workspace.branch}~1:app/notes.txt`)).toBe('start\nsub');
    expect(git(repo, 'show', `${workspace.branch}:lib/other.txt`)).toBe('x');
    expect(git(repo, 'status', '--porcelain', '--', '.', ':!app/.agent/workflows/executions')).toBe('');
  });
});

describe('choosing a workspace', () => {
  it('runs in place, as before, in a project that is not a git repository', async () => {
    const project = await tempDir();
    const { executor, workspaceOf } = setup(project);
    const definition = await notesTemplate();

    const run = await executor.run(definition, { word: 'plain' });

    expect(run.status).toBe('completed');
    expect(await workspaceOf(run.id)).toEqual({ mode: 'in-place' });
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toMatch(/^plain\n/);
    expect(existsSync(join(project, '.agent', 'worktrees'))).toBe(false);
  });

  it('runs in place in a git repository when the template or the run says so', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n' });
    const { executor, workspaceOf } = setup(project);
    const definition = { ...(await notesTemplate()), workspace: 'worktree' as const };

    const run = await executor.run(definition, { word: 'here' }, { workspace: 'in-place' });

    expect(await workspaceOf(run.id)).toEqual({ mode: 'in-place' });
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toMatch(/^start\nhere\n/);
  });

  it('refuses a worktree outside a git repository, creating no run', async () => {
    const project = await tempDir();
    const { executor, store } = setup(project);
    const definition = await notesTemplate();

    const start = executor.start(definition, { word: 'x' }, { workspace: 'worktree' });

    await expect(start).rejects.toThrow(WorkspaceError);
    await expect(start).rejects.toMatchObject({ code: 'not_a_git_repository', kind: 'unprocessable' });
    expect(await store.listRuns()).toEqual([]);
    expect(existsSync(join(project, '.agent', 'workflows', 'executions'))).toBe(false);
  });

  it('says git is missing when a worktree is asked for without it, and runs in place by default', async () => {
    const project = await gitRepo();
    const { executor, workspaceOf } = setup(project);
    const definition = await notesTemplate();
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(executor.start(definition, { word: 'x' }, { workspace: 'worktree' })).rejects.toMatchObject({
        code: 'git_unavailable',
        kind: 'unavailable',
        message: 'git is not installed (no git program on PATH)',
      });
      const run = await executor.start(definition, { word: 'x' });
      expect(await workspaceOf(run.id)).toEqual({ mode: 'in-place' });
    } finally {
      process.env.PATH = path;
    }
  });

  it('starts from the commit of a detached HEAD, and from HEAD without the uncommitted changes of the main checkout', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n' });
    git(project, 'checkout', '--quiet', '--detach', 'HEAD');
    writeFileSync(join(project, 'notes.txt'), 'dirty\n');
    const { executor, workspaceOf, store } = setup(project);

    const run = await executor.start(await notesTemplate(), { word: 'x' });

    const workspace = await workspaceOf(run.id);
    expect(workspace.baseRef).toBeNull();
    expect(workspace.base).toBe(git(project, 'rev-parse', 'HEAD'));
    expect(workspace.note).toMatch(/detached HEAD/);
    expect(workspace.note).toMatch(/uncommitted changes/);
    expect(readFileSync(join(workspace.path, 'notes.txt'), 'utf8')).toBe('start\n');
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('dirty\n');
    const [comment] = await store.listComments(run.id);
    expect(comment?.text).toMatch(/^Works in a git worktree on branch switchyard\//);
  });

  it('names the branch with a suffix when the name is taken', async () => {
    const project = await gitRepo();
    const { executor, workspaceOf } = setup(project);
    const runId = '0123abcd-0000-4000-8000-000000000000';
    git(project, 'branch', 'switchyard/0123abcd-notes');

    await executor.start(await notesTemplate(), { word: 'x' }, { runId });

    const workspace = await workspaceOf(runId);
    expect(workspace.branch).toBe('switchyard/0123abcd-notes-2');
    expect(workspace.note).toMatch(/already exists/);
  });

  it('refuses a worktree of a repository with submodules or LFS files when asked, and runs such a one in place by default', async () => {
    const submodules = await gitRepo({ '.gitmodules': '[submodule "lib"]\n\tpath = lib\n\turl = ../lib\n' });
    const lfs = await gitRepo({ '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n' });
    for (const [project, what] of [
      [submodules, /submodules/],
      [lfs, /Git LFS/],
    ] as const) {
      const { executor, workspaceOf } = setup(project);
      const definition = await notesTemplate();
      await expect(executor.start(definition, { word: 'x' }, { workspace: 'worktree' })).rejects.toMatchObject({
        code: 'workspace_unsupported',
        message: expect.stringMatching(what),
      });
      const run = await executor.start(definition, { word: 'x' });
      const workspace = await workspaceOf(run.id);
      expect(workspace.mode).toBe('in-place');
      expect(workspace.note).toMatch(what);
    }
  });

  it('starts from a base branch asked for, which it merges into, and refuses a base that names nothing or a run in place with one', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n' });
    git(project, 'switch', '--quiet', '-c', 'feature');
    writeFileSync(join(project, 'notes.txt'), 'feature\n');
    git(project, 'commit', '--quiet', '-am', 'feature');
    const featureHead = git(project, 'rev-parse', 'HEAD');
    git(project, 'switch', '--quiet', 'main');
    const { executor, workspaceOf } = setup(project);
    const definition = await notesTemplate();

    const run = await executor.start(definition, { word: 'x' }, { base: 'feature' });

    expect(await workspaceOf(run.id)).toMatchObject({ base: featureHead, baseRef: 'feature' });
    await expect(executor.start(definition, { word: 'x' }, { base: 'no-such-branch' })).rejects.toMatchObject({
      code: 'base_invalid',
      kind: 'invalid',
      message: expect.stringContaining('base "no-such-branch" names no branch or commit'),
    });
    await expect(
      executor.start(definition, { word: 'x' }, { base: 'feature', workspace: 'in-place' }),
    ).rejects.toMatchObject({ code: 'base_invalid' });
  });

  it('tells a function step where the run works: ctx.workspace and step.cwd are the worktree, whose files it commits', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n' });
    const { executor, workspaceOf } = setup(project);
    const seen: unknown[] = [];
    const definition = await inlineDefinition(await tempDir(), 'edit', {
      name: 'Edit',
      phases: ['work'],
      args: z.object({}),
      async execute(ctx) {
        seen.push(ctx.workspace);
        await ctx.step('edit', {
          phase: 'work',
          run: (step) => {
            seen.push(step.cwd);
            writeFileSync(join(step.cwd, 'notes.txt'), 'edited by a function step\n');
          },
        });
        await ctx.exec('read', ['cat', 'notes.txt']);
      },
    });

    const run = await executor.run(definition, {});

    expect(run.status).toBe('completed');
    const workspace = await workspaceOf(run.id);
    expect(seen).toEqual([{ mode: 'worktree', dir: workspace.path, branch: workspace.branch }, workspace.path]);
    expect(git(project, 'show', `${workspace.branch}:notes.txt`)).toBe('edited by a function step');
    expect(commitsOf(project, `${workspace.base}..${workspace.branch}`).map((c) => c.subject)).toEqual(['edit: edit']);
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('start\n');

    const inPlace = await executor.run(definition, {}, { workspace: 'in-place' });
    expect(inPlace.status).toBe('completed');
    expect(seen.slice(-2)).toEqual([{ mode: 'in-place', dir: project, branch: null }, project]);
  });
});
