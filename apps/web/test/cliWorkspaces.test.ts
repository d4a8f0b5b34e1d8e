/**
 * The command line's workspace options, as a user types them: `switchyard run --workspace` and `--base`,
 * `switchyard fork` of a finished worktree run, and `switchyard merge` of one into its base, on the project's
 * embedded database.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../src/server/serve.ts';
import { cli, runIdFrom, tempProject } from './cliHarness.ts';
import { commitProject, git } from './gitRepository.ts';

const TEMPLATE = `name: Edits
phases: [one, two]
steps:
  - id: first
    phase: one
    command: "printf 'first\\\\n' >> log.txt"
  - id: second
    phase: two
    command: "printf 'second\\\\n' >> log.txt"
`;

async function gitProject(): Promise<string> {
  const project = await tempProject({ 'edits.yaml': TEMPLATE });
  await commitProject(project);
  return project;
}

describe('switchyard run --workspace and switchyard fork', () => {
  it('runs in a worktree by default in a git repository, in place when asked, and refuses an unknown mode', async () => {
    const project = await gitProject();

    const bad = await cli(['run', 'edits', '--workspace', 'copy'], { cwd: project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--workspace must be worktree or in-place, not "copy"');

    const worktree = await cli(['run', 'edits'], { cwd: project });
    expect(worktree.code).toBe(0);
    const runId = runIdFrom(worktree.stdout + worktree.stderr);
    const branch = git(project, 'branch', '--list', 'switchyard/*', '--format=%(refname:short)');
    expect(branch).toBe(`switchyard/${runId.slice(0, 8)}-edits`);
    expect(git(project, 'show', `${branch}:log.txt`)).toBe('first\nsecond');
    expect(existsSync(join(project, 'log.txt'))).toBe(false);

    const inPlace = await cli(['run', 'edits', '--workspace', 'in-place'], { cwd: project });
    expect(inPlace.code).toBe(0);
    expect(readFileSync(join(project, 'log.txt'), 'utf8')).toBe('first\nsecond\n');
  }, 120_000);

  it('forks a finished run at a step into a new run on a branch from that step’s base', async () => {
    const project = await gitProject();
    const parent = await cli(['run', 'edits'], { cwd: project });
    expect(parent.code).toBe(0);
    const parentId = runIdFrom(parent.stdout + parent.stderr);
    const parentBranch = `switchyard/${parentId.slice(0, 8)}-edits`;
    const parentTip = git(project, 'rev-parse', parentBranch);

    const missing = await cli(['fork', parentId, '--step', 'nope'], { cwd: project });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`run ${parentId} has no step nope`);

    const fork = await cli(['fork', parentId, '--step', 'second'], { cwd: project });

    expect(fork.code).toBe(0);
    const forkId = /forked run ([0-9a-f-]{36})/.exec(fork.stdout + fork.stderr)?.[1];
    expect(forkId).toBeDefined();
    const forkBranch = `switchyard/${forkId!.slice(0, 8)}-edits`;
    // Its branch starts at the commit the step started from: the parent's first step's.
    expect(git(project, 'rev-parse', `${forkBranch}~1`)).toBe(git(project, 'rev-parse', `${parentBranch}~1`));
    expect(git(project, 'show', `${forkBranch}:log.txt`)).toBe('first\nsecond');
    expect(git(project, 'rev-parse', parentBranch)).toBe(parentTip);
  }, 120_000);

  it('merges a finished run into main, updating the main checkout, and refuses with the reason and exit code 2', async () => {
    const project = await gitProject();
    const help = await cli(['merge', '--help'], { cwd: project });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: switchyard merge <run-id> [--json]');

    const run = await cli(['run', 'edits'], { cwd: project });
    const runId = runIdFrom(run.stdout + run.stderr);
    const branch = `switchyard/${runId.slice(0, 8)}-edits`;
    const [base, tip] = [git(project, 'rev-parse', 'main'), git(project, 'rev-parse', branch)];

    const merged = await cli(['merge', runId], { cwd: project });

    expect(merged.code).toBe(0);
    expect(merged.stdout).toBe(
      `merged run ${runId} into main: fast-forward ${base.slice(0, 12)}..${tip.slice(0, 12)} (2 commits); ` +
        'the main checkout is on it, and its files were updated\n',
    );
    expect(readFileSync(join(project, 'log.txt'), 'utf8')).toBe('first\nsecond\n');
    expect(git(project, 'rev-parse', 'main')).toBe(tip);

    const again = await cli(['merge', runId], { cwd: project });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `switchyard merge: run ${runId} cannot be merged into main: main already has every commit of ${branch}\n`,
    );

    const secondRun = await cli(['run', 'edits'], { cwd: project });
    const second = runIdFrom(secondRun.stdout + secondRun.stderr);
    await writeFile(join(project, 'other.txt'), 'meanwhile\n');
    git(project, 'add', 'other.txt');
    git(project, 'commit', '--quiet', '-m', 'meanwhile');
    const moved = await cli(['merge', second, '--json'], { cwd: project });
    expect(moved.code).toBe(2);
    expect(moved.stderr).toContain(
      `cannot be merged into main: main has moved on: it has 1 commit that switchyard/${second.slice(0, 8)}-edits lacks`,
    );
    expect(moved.stderr).toContain(`git rebase main switchyard/${second.slice(0, 8)}-edits`);
    expect(moved.stdout).toBe('');
  }, 120_000);

  it('starts a run from --base, and merges it into that branch without touching the main checkout', async () => {
    const project = await gitProject();
    git(project, 'branch', 'feature');
    const bad = await cli(['run', 'edits', '--base', 'nope'], { cwd: project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('base "nope" names no branch or commit');

    const run = await cli(['run', 'edits', '--base', 'feature'], { cwd: project });
    expect(run.code).toBe(0);
    const runId = runIdFrom(run.stdout + run.stderr);
    const merged = await cli(['merge', runId, '--json'], { cwd: project });

    expect(merged.code).toBe(0);
    const answer = JSON.parse(merged.stdout) as Record<string, unknown>;
    expect(answer).toMatchObject({ base: 'feature', commits: 2, checkout_updated: false });
    expect(git(project, 'rev-parse', 'feature')).toBe(
      git(project, 'rev-parse', `switchyard/${runId.slice(0, 8)}-edits`),
    );
    expect(existsSync(join(project, 'log.txt'))).toBe(false);
    expect(git(project, 'status', '--porcelain')).toBe('');
  }, 120_000);

  it('runs with --base and merges through the HTTP API of a server holding the embedded database', async () => {
    const project = await gitProject();
    git(project, 'branch', 'feature');
    const server = await startServer({ projectDir: project, port: 0, log: () => undefined });
    try {
      const run = await cli(['run', 'edits', '--base', 'feature'], { cwd: project });
      expect(run.code, run.stderr).toBe(0);
      const runId = runIdFrom(run.stdout + run.stderr);
      const bad = await cli(['merge', 'not-a-run'], { cwd: project });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`no run not-a-run on the server at ${server.url}`);

      const merged = await cli(['merge', runId, '--json'], { cwd: project });

      expect(merged.code, merged.stderr).toBe(0);
      expect(JSON.parse(merged.stdout)).toMatchObject({ base: 'feature', commits: 2, checkout_updated: false });
      expect(git(project, 'show', 'feature:log.txt')).toBe('first\nsecond');
      const again = await cli(['merge', runId], { cwd: project });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(
        `the server at ${server.url} answered: run ${runId} cannot be merged into feature`,
      );
    } finally {
      await server.close();
    }
  }, 120_000);
});
