/**
 * Worktree runs through the API of a real server: the run's workspace in its detail, each step's commit and the
 * run's branch as diffs in the protocol's shape, merging the branch into its base, and the errors of a worktree
 * that cannot be or a merge that is refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChangeSet } from '../../src/protocol/diffs.ts';
import { ErrorEnvelope } from '../../src/protocol/common.ts';
import { ProjectGit, ProjectList } from '../../src/protocol/projects.ts';
import { MergeAnswer, RunDetail } from '../../src/protocol/runs.ts';
import { DATABASE_KINDS } from './databases.ts';
import { startTestServer } from './serverHarness.ts';
import type { TestServer } from './serverHarness.ts';
import { commitProject, git } from '../gitRepository.ts';

describe.each(DATABASE_KINDS)('git workspaces through the API on $name', (kind) => {
  let t: TestServer;
  afterEach(async () => t?.close());

  it('shows a worktree run’s workspace, and each step’s commit and the whole branch as diffs', async () => {
    t = await startTestServer(kind);
    const base = await commitProject(t.projectDir);
    const started = await t.api('POST', '/api/workflow-executions', {
      workflow_definition_id: await t.definitionId('counted'),
      args: { counter: 'counter.txt', pause_seconds: 0 },
    });
    expect(started.status).toBe(201);
    const created = RunDetail.parse(started.body);
    expect(created.workspace).toMatchObject({ mode: 'worktree', base, base_ref: 'main', note: null });
    expect(created.workspace.branch).toBe(`switchyard/${created.id.slice(0, 8)}-counted`);
    const run = await t.waitForRun(created.id, (r) => r.status === 'completed');

    const first = run.steps.find((s) => s.step_id === 'first')!;
    const stepAnswer = (await t.api('GET', `/api/workflow-steps/${first.id}/diff`)).body;
    const stepDiff = ChangeSet.parse(stepAnswer);
    // Parsing dropped nothing: every field the server sends is in the protocol.
    expect(stepDiff).toEqual(stepAnswer);
    expect(stepDiff).toMatchObject({
      workspace: 'worktree',
      stats: { files: 1, additions: 1, deletions: 0 },
      pagination: { total: 1, offset: 0, limit: 100 },
    });
    expect(stepDiff.to).toBe(git(t.projectDir, 'rev-parse', `${created.workspace.branch}~2`));
    expect(stepDiff.files).toEqual([
      expect.objectContaining({ path: 'counter.txt', status: 'added', additions: 1, deletions: 0, binary: false }),
    ]);
    expect(stepDiff.files[0]!.patch).toContain('\n+first\n');

    const runDiff = ChangeSet.parse((await t.api('GET', `/api/workflow-executions/${created.id}/diff`)).body);
    expect(runDiff).toMatchObject({ from: base, stats: { files: 1, additions: 3, deletions: 0 } });
    expect(runDiff.files[0]!.patch).toContain('+first\n+second\n+third\n');
    const pageTwo = ChangeSet.parse(
      (await t.api('GET', `/api/workflow-executions/${created.id}/diff?offset=1&limit=1`)).body,
    );
    expect(pageTwo.files).toEqual([]);
    expect(pageTwo.pagination).toEqual({ total: 1, offset: 1, limit: 1 });
    // The main checkout saw none of it.
    expect(existsSync(join(t.projectDir, 'counter.txt'))).toBe(false);
    expect(git(t.projectDir, 'status', '--porcelain')).toBe('');
    // Deleting the run removes its worktree and keeps its branch.
    const tip = git(t.projectDir, 'rev-parse', created.workspace.branch!);
    expect((await t.api('DELETE', `/api/workflow-executions/${created.id}`)).status).toBe(204);
    expect(existsSync(created.workspace.path!)).toBe(false);
    expect(git(t.projectDir, 'worktree', 'list', '--porcelain')).not.toContain(created.workspace.path!);
    expect(git(t.projectDir, 'rev-parse', created.workspace.branch!)).toBe(tip);
  }, 90_000);

  it('re-runs from a phase with the files as they were before it, the superseded commit kept on a ref', async () => {
    t = await startTestServer(kind);
    await commitProject(t.projectDir);
    const started = await t.api('POST', '/api/workflow-executions', {
      workflow_definition_id: await t.definitionId('counted'),
      args: { counter: 'counter.txt', pause_seconds: 0 },
    });
    const run = RunDetail.parse(started.body);
    const first = await t.waitForRun(run.id, (r) => r.status === 'completed');
    const thirdBefore = first.steps.find((s) => s.step_id === 'third')!.id;
    const branch = run.workspace.branch!;
    const [firstTip, afterPhaseOne] = [
      git(t.projectDir, 'rev-parse', branch),
      git(t.projectDir, 'rev-parse', `${branch}~1`),
    ];

    expect((await t.api('POST', `/api/workflow-executions/${run.id}/rerun`, { phase: 'two' })).status).toBe(200);
    // The re-run is done once the run completed again with a new record of third. (Its commit may even have the
    // first attempt's sha: the same tree, parent and message within the same second make the same commit.)
    await t.waitForRun(
      run.id,
      (r) => r.status === 'completed' && r.steps.some((s) => s.step_id === 'third' && s.id !== thirdBefore),
    );

    // third ran again on the files phase one left: one "third", not two.
    expect(git(t.projectDir, 'show', `${branch}:counter.txt`)).toBe('first\nsecond\nthird');
    expect(git(t.projectDir, 'rev-parse', `${branch}~1`)).toBe(afterPhaseOne);
    expect(git(t.projectDir, 'rev-parse', `refs/switchyard/${run.id}/attempts/1`)).toBe(firstTip);
  }, 90_000);

  it('forks a run from a step: the earlier steps replay from the copied journal, the branch starts at that step’s base', async () => {
    t = await startTestServer(kind);
    await commitProject(t.projectDir);
    const started = await t.api('POST', '/api/workflow-executions', {
      workflow_definition_id: await t.definitionId('counted'),
      args: { counter: 'counter.txt', pause_seconds: 0 },
    });
    const parent = RunDetail.parse(started.body);
    const done = await t.waitForRun(parent.id, (r) => r.status === 'completed');
    const parentTip = git(t.projectDir, 'rev-parse', parent.workspace.branch!);
    const second = done.steps.find((s) => s.step_id === 'second')!;
    const third = done.steps.find((s) => s.step_id === 'third')!;

    const answer = await t.api('POST', `/api/workflow-executions/${parent.id}/fork`, { from_step_id: third.id });

    expect(answer.status).toBe(201);
    const fork = RunDetail.parse(answer.body);
    expect(fork.parent_run_id).toBe(parent.id);
    expect(fork.id).not.toBe(parent.id);
    const secondCommit = (second as unknown as { output: { commit: string } }).output.commit;
    expect(fork.workspace).toMatchObject({ mode: 'worktree', base: secondCommit });
    expect(fork.workspace.branch).toBe(`switchyard/${fork.id.slice(0, 8)}-counted`);
    expect(fork.steps.map((s) => [s.step_id, s.status])).toEqual([
      ['first', 'completed'],
      ['second', 'completed'],
    ]);
    const forked = await t.waitForRun(fork.id, (r) => ['completed', 'failed'].includes(r.status));
    expect(forked.status).toBe('completed');
    // first and second replayed from the copied journal: only third ran, on top of the parent's files at that step.
    expect(readFileSync(join(fork.workspace.path!, 'counter.txt'), 'utf8')).toBe('first\nsecond\nthird\n');
    expect(git(t.projectDir, 'rev-parse', `${fork.workspace.branch!}~1`)).toBe(secondCommit);
    expect(git(t.projectDir, 'log', '--format=%s', `${secondCommit}..${fork.workspace.branch!}`)).toBe('third: third');
    // The parent is untouched.
    expect(git(t.projectDir, 'rev-parse', parent.workspace.branch!)).toBe(parentTip);
    const after = RunDetail.parse((await t.api('GET', `/api/workflow-executions/${parent.id}`)).body);
    expect(after.status).toBe('completed');
    expect(after.steps.map((s) => s.id)).toEqual(done.steps.map((s) => s.id));

    const bad = await t.api('POST', `/api/workflow-executions/${parent.id}/fork`, {
      from_step_id: forked.steps[0]!.id,
    });
    expect(bad.status).toBe(400);
    expect(ErrorEnvelope.parse(bad.body).error.details.fields).toEqual([
      { field: 'from_step_id', message: `step ${forked.steps[0]!.id} belongs to another run` },
    ]);
  }, 90_000);

  it('runs in place when asked, with empty diffs, and refuses a worktree outside a repository or a mode it does not know', async () => {
    t = await startTestServer(kind);
    const definitionId = await t.definitionId('counted');
    const refused = await t.api('POST', '/api/workflow-executions', {
      workflow_definition_id: definitionId,
      args: { counter: 'counter.txt', pause_seconds: 0 },
      workspace: 'worktree',
    });
    expect(refused.status).toBe(422);
    expect(ErrorEnvelope.parse(refused.body).error.code).toBe('not_a_git_repository');
    const unknown = await t.api('POST', '/api/workflow-executions', {
      workflow_definition_id: definitionId,
      workspace: 'copy',
    });
    expect(unknown.status).toBe(400);
    expect(ErrorEnvelope.parse(unknown.body).error.details.fields).toEqual([
      { field: 'workspace', message: 'must be one of worktree, in-place' },
    ]);

    const started = await t.api('POST', '/api/workflow-executions', {
      workflow_definition_id: definitionId,
      args: { counter: 'counter.txt', pause_seconds: 0 },
    });
    const created = RunDetail.parse(started.body);
    expect(created.workspace).toEqual({
      mode: 'in-place',
      branch: null,
      base: null,
      base_ref: null,
      path: null,
      note: null,
    });
    await t.waitForRun(created.id, (r) => r.status === 'completed');
    expect(existsSync(join(t.projectDir, 'counter.txt'))).toBe(true);
    const diff = ChangeSet.parse((await t.api('GET', `/api/workflow-executions/${created.id}/diff`)).body);
    expect(diff).toMatchObject({ workspace: 'in-place', from: null, to: null, files: [], stats: { files: 0 } });
  }, 90_000);

  /** A finished run of `counted` writing counter.txt in its worktree. */
  async function finishedRun(): Promise<RunDetail> {
    const started = await t.api('POST', '/api/workflow-executions', {
      workflow_definition_id: await t.definitionId('counted'),
      args: { counter: 'counter.txt', pause_seconds: 0 },
    });
    const run = RunDetail.parse(started.body);
    await t.waitForRun(run.id, (r) => r.status === 'completed');
    return RunDetail.parse((await t.api('GET', `/api/workflow-executions/${run.id}`)).body);
  }

  it('merges a finished run into main: the clean main checkout gets the files, the run a comment saying so', async () => {
    t = await startTestServer(kind);
    await commitProject(t.projectDir);
    const run = await finishedRun();
    expect(run.merge).toEqual({
      state: 'ready',
      reason: `main can be fast-forwarded by 3 commits to ${run.workspace.branch}`,
      base: 'main',
      ahead: 3,
      behind: 0,
    });
    const tip = git(t.projectDir, 'rev-parse', run.workspace.branch!);

    const answer = await t.api('POST', `/api/workflow-executions/${run.id}/merge`);

    expect(answer.status).toBe(200);
    const merged = MergeAnswer.parse(answer.body);
    // Parsing dropped nothing: every field the server sends is in the protocol.
    expect(merged).toEqual(answer.body);
    expect(merged).toMatchObject({
      base: 'main',
      from: run.workspace.base,
      to: tip,
      commits: 3,
      checkout_updated: true,
    });
    expect(readFileSync(join(t.projectDir, 'counter.txt'), 'utf8')).toBe('first\nsecond\nthird\n');
    expect(git(t.projectDir, 'rev-parse', 'main')).toBe(tip);
    expect(git(t.projectDir, 'status', '--porcelain')).toBe('');
    expect(merged.run.merge.state).toBe('merged');
    expect(merged.run.comments.map((c) => [c.comment_type, c.text])).toContainEqual([
      'system',
      `Merged into main at ${tip.slice(0, 12)} (3 commits, fast-forward from ${run.workspace.base!.slice(0, 12)})`,
    ]);

    const again = await t.api('POST', `/api/workflow-executions/${run.id}/merge`);
    expect(again.status).toBe(409);
    expect(ErrorEnvelope.parse(again.body).error).toMatchObject({
      code: 'merge_refused',
      details: { state: 'merged', base: 'main' },
    });
  }, 90_000);

  it('refuses to merge a run whose base moved on, with both sides’ counts and the commands, leaving main as it was', async () => {
    t = await startTestServer(kind);
    await commitProject(t.projectDir);
    const run = await finishedRun();
    await writeFile(join(t.projectDir, 'other.txt'), 'theirs\n');
    git(t.projectDir, 'add', 'other.txt');
    git(t.projectDir, 'commit', '--quiet', '-m', 'meanwhile on main');
    const mainBefore = git(t.projectDir, 'rev-parse', 'main');

    const detail = RunDetail.parse((await t.api('GET', `/api/workflow-executions/${run.id}`)).body);
    expect(detail.merge).toMatchObject({ state: 'not_fast_forward', ahead: 3, behind: 1 });
    const refused = await t.api('POST', `/api/workflow-executions/${run.id}/merge`);

    expect(refused.status).toBe(409);
    const { error } = ErrorEnvelope.parse(refused.body);
    expect(error.code).toBe('merge_refused');
    expect(error.details).toMatchObject({ state: 'not_fast_forward', base: 'main' });
    expect(error.message).toBe(
      `run ${run.id} cannot be merged into main: main has moved on: it has 1 commit that ${run.workspace.branch} ` +
        `lacks, and the branch has 3 commits of its own, so main cannot be fast-forwarded; rebase the branch by ` +
        `hand (git rebase main ${run.workspace.branch}) and merge again, or merge it with a merge commit ` +
        `(git switch main && git merge ${run.workspace.branch})`,
    );
    expect(git(t.projectDir, 'rev-parse', 'main')).toBe(mainBefore);
    expect(existsSync(join(t.projectDir, 'counter.txt'))).toBe(false);

    // A repository deleted since the run does not take the run's detail down: its merge state says what git said.
    await rm(join(t.projectDir, '.git'), { recursive: true, force: true });
    const orphan = await t.api('GET', `/api/workflow-executions/${run.id}`);
    expect(orphan.status).toBe(200);
    expect(RunDetail.parse(orphan.body).merge).toMatchObject({ state: 'git_failed', base: 'main' });
  }, 90_000);

  it('refuses to merge over uncommitted changes to a file the merge changes, and a run still running', async () => {
    t = await startTestServer(kind);
    await commitProject(t.projectDir);
    const run = await finishedRun();
    await writeFile(join(t.projectDir, 'counter.txt'), 'my own, uncommitted\n');

    const dirty = await t.api('POST', `/api/workflow-executions/${run.id}/merge`);

    expect(dirty.status).toBe(409);
    expect(ErrorEnvelope.parse(dirty.body).error).toMatchObject({
      code: 'merge_refused',
      details: { state: 'checkout_dirty' },
      message: expect.stringContaining('has uncommitted changes to 1 file the merge would change (counter.txt)'),
    });
    expect(readFileSync(join(t.projectDir, 'counter.txt'), 'utf8')).toBe('my own, uncommitted\n');
    expect(git(t.projectDir, 'rev-parse', 'main')).toBe(run.workspace.base);

    const slow = RunDetail.parse(
      (
        await t.api('POST', '/api/workflow-executions', {
          workflow_definition_id: await t.definitionId('counted'),
          args: { counter: 'slow.txt', pause_seconds: 60 },
        })
      ).body,
    );
    await t.waitForRun(slow.id, (r) => r.status === 'running');
    const running = await t.api('POST', `/api/workflow-executions/${slow.id}/merge`);
    expect(running.status).toBe(409);
    expect(ErrorEnvelope.parse(running.body).error).toMatchObject({
      code: 'merge_refused',
      details: { state: 'run_not_finished' },
      message: `run ${slow.id} cannot be merged into main: the run is running, and its branch may still gain commits; merge it once it has finished`,
    });
    await t.api('POST', `/api/workflow-executions/${slow.id}/cancel`);
    await t.waitForRun(slow.id, (r) => r.status === 'cancelled');
  }, 90_000);

  it('starts a run from a base branch given by name, and answers a base that names nothing at the field', async () => {
    t = await startTestServer(kind);
    const projectId = ProjectList.parse((await t.api('GET', '/api/projects')).body).data[0]!.id;
    const gitOf = async () => ProjectGit.strict().parse((await t.api('GET', `/api/projects/${projectId}/git`)).body);
    // What the run form offers: no repository yet, then the branch the main checkout is on.
    expect(await gitOf()).toEqual({ repository: false, branch: null });
    await commitProject(t.projectDir);
    expect(await gitOf()).toEqual({ repository: true, branch: 'main' });
    git(t.projectDir, 'branch', 'feature');
    const definitionId = await t.definitionId('counted');

    const started = await t.api('POST', '/api/workflow-executions', {
      workflow_definition_id: definitionId,
      args: { counter: 'counter.txt', pause_seconds: 0 },
      base: 'feature',
    });
    expect(started.status).toBe(201);
    const run = RunDetail.parse(started.body);
    expect(run.workspace).toMatchObject({ mode: 'worktree', base_ref: 'feature' });
    await t.waitForRun(run.id, (r) => r.status === 'completed');

    const bad = await t.api('POST', '/api/workflow-executions', {
      workflow_definition_id: definitionId,
      args: { counter: 'counter.txt', pause_seconds: 0 },
      base: 'no-such-branch',
    });
    expect(bad.status).toBe(400);
    const { error } = ErrorEnvelope.parse(bad.body);
    expect(error.code).toBe('base_invalid');
    expect(error.details.fields).toEqual([
      { field: 'base', message: expect.stringContaining('base "no-such-branch" names no branch or commit') },
    ]);
  }, 90_000);
});
