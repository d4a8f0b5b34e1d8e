/**
 * A worktree run's server is killed with SIGKILL in the middle of a step that has changed files, and started again:
 * the repository passes `git fsck`, the run's branch holds exactly one commit per step that changed files, what the
 * killed step had written is kept on a side ref, and the main checkout is untouched.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killProcesses, startServerProcess } from '../processes.ts';
import { PROCESS_DATABASE_KINDS } from './databases.ts';
import { makeProject, serverClient } from './serverHarness.ts';
import { commitProject, git } from '../gitRepository.ts';

const LEASE = { SWITCHYARD_LEASE_TTL_MS: '2000' };

const TEMPLATE = `name: Git steps
phases: [one, two]
args:
  counter:
    type: string
    required: true
steps:
  - id: first
    phase: one
    type: script
    command: "echo first >> '{{ args.counter }}'; printf 'first\\\\n' > first.txt"
  - id: second
    phase: one
    name: Second step
    type: script
    command: "echo second >> '{{ args.counter }}'; printf 'partial\\\\n' > second.txt; sleep 3; printf 'whole\\\\n' > second.txt"
  - id: look
    phase: two
    type: script
    command: "cat first.txt second.txt"
  - id: third
    phase: two
    type: script
    command: "echo third >> '{{ args.counter }}'; printf 'third\\\\n' > third.txt"
`;

/** A project that is a git repository, its Switchyard data ignored as this repository ignores its own. */
async function gitProject(): Promise<string> {
  const projectDir = await makeProject();
  await writeFile(join(projectDir, '.agent', 'workflows', 'definitions', 'git-steps.yaml'), TEMPLATE);
  await commitProject(projectDir);
  return projectDir;
}

describe.each(PROCESS_DATABASE_KINDS)('a worktree run whose server is killed mid-step on $name', (kind) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  it('resumes with the repository consistent and exactly one commit per step that changed files', async () => {
    const projectDir = await gitProject();
    cleanups.push(() => rm(projectDir, { recursive: true, force: true }));
    const scratch = await mkdtemp(join(tmpdir(), 'switchyard-counter-'));
    cleanups.push(() => rm(scratch, { recursive: true, force: true }));
    const database = await kind.database();
    cleanups.push(database.drop);
    cleanups.push(killProcesses);
    const mainHead = git(projectDir, 'rev-parse', 'HEAD');

    const first = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    let api = serverClient(first.url, projectDir);
    const counter = join(scratch, 'counter.txt');
    const created = await api.api<{ id: string; workspace: { mode: string; branch: string; path: string } }>(
      'POST',
      '/api/workflow-executions',
      { workflow_definition_id: await api.definitionId('git-steps'), args: { counter } },
    );
    expect(created.status).toBe(201);
    const { id: runId, workspace } = created.body;
    expect(workspace.mode).toBe('worktree');
    // Killed once the step has written half of its work into the worktree.
    const partial = join(workspace.path, 'second.txt');
    while (!existsSync(partial) || readFileSync(partial, 'utf8') !== 'partial\n') {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    api = serverClient(second.url, projectDir);
    const run = await api.waitForRun(runId, (r) => ['completed', 'failed', 'cancelled'].includes(r.status), 30_000);

    expect(run.status).toBe('completed');
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toEqual(['first', 'second', 'second', 'third']);
    expect(() => git(projectDir, 'fsck', '--no-progress', '--no-dangling')).not.toThrow();
    expect(git(projectDir, 'fsck', '--no-progress', '--no-dangling')).toBe('');
    const log = git(
      projectDir,
      'log',
      '--reverse',
      '--format=%s|%an <%ae>|%(trailers:key=Switchyard-Run,valueonly,separator=)',
      `${mainHead}..${workspace.branch}`,
    );
    expect(log.split('\n')).toEqual([
      `first: first|Switchyard <switchyard@localhost>|${runId}`,
      `second: Second step|Switchyard <switchyard@localhost>|${runId}`,
      `third: third|Switchyard <switchyard@localhost>|${runId}`,
    ]);
    // Each journaled step carries its commit; the one that changed nothing has none.
    const commits = Object.fromEntries(
      (run.steps as unknown as { step_id: string; output: { commit?: string } }[]).map((s) => [
        s.step_id,
        s.output.commit,
      ]),
    );
    expect(commits).toEqual({
      first: git(projectDir, 'rev-parse', `${workspace.branch}~2`),
      second: git(projectDir, 'rev-parse', `${workspace.branch}~1`),
      look: undefined,
      third: git(projectDir, 'rev-parse', workspace.branch),
    });
    expect(git(projectDir, 'show', `${workspace.branch}:second.txt`)).toBe('whole');
    // What the killed attempt had written is not lost.
    expect(git(projectDir, 'show', `refs/switchyard/${runId}/interrupted/1:second.txt`)).toBe('partial');
    // The main checkout never changed: same HEAD, no files of the run, nothing modified or untracked.
    expect(git(projectDir, 'rev-parse', 'HEAD')).toBe(mainHead);
    expect(git(projectDir, 'status', '--porcelain')).toBe('');
    expect(existsSync(join(projectDir, 'second.txt'))).toBe(false);
  }, 90_000);
});
