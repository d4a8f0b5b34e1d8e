/** Real git repositories for the workspace tests: the command as a fixed author, and a project made one. */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `git <args>` in `dir` as a fixed author; its output without the final newline. */
export function git(dir: string, ...args: string[]): string {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@t',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@t',
  };
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env }).replace(/\n$/, '');
}

/**
 * Makes a project a git repository of one commit on `main`, its Switchyard data ignored as this repository ignores
 * its own; answers that commit. A run's workspace is decided when it starts, so a project made one before is in time.
 */
export async function commitProject(projectDir: string): Promise<string> {
  await writeFile(join(projectDir, '.gitignore'), '.agent/db/\n.agent/workflows/executions/\n');
  git(projectDir, 'init', '--quiet', '--initial-branch=main');
  git(projectDir, 'add', '--all');
  git(projectDir, 'commit', '--quiet', '-m', 'the project');
  return git(projectDir, 'rev-parse', 'HEAD');
}
