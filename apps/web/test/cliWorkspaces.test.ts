/**
 * The command line's workspace options, as a user types them: `switchyard run --workspace`, and `switchyard fork`
 * of a finished worktree run, on the project's embedded database.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, runIdFrom, tempProject } from './cliHarness.ts';

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

function git(dir: string, ...args: string[]): string {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@t',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@t',
  };
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env }).replace(/\n$/, '');
}

async function gitProject(): Promise<string> {
  const project = await tempProject({ 'edits.yaml': TEMPLATE });
  await writeFile(join(project, '.gitignore'), '.agent/db/\n.agent/workflows/executions/\n');
  git(project, 'init', '--quiet', '--initial-branch=main');
  git(project, 'add', '--all');
  git(project, 'commit', '--quiet', '-m', 'the project');
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
});
