/** Real temporary git repositories for workspace tests: `git init`, a first commit, and reading them back. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../helpers.ts';

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).replace(/\n$/, '');
}

/** A repository on branch main with `files` committed, removed after the test. */
export async function gitRepo(files: Record<string, string> = { 'README.md': '# project\n' }): Promise<string> {
  const dir = await tempDir('switchyard-git-');
  git(dir, 'init', '--quiet', '--initial-branch=main');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', 'initial');
  return dir;
}

/** Commits on `branch` from its base, oldest first: subject, author and the run trailer. */
export function commitsOf(repo: string, range: string): { subject: string; author: string; run: string }[] {
  const out = git(
    repo,
    'log',
    '--reverse',
    '--format=%s%x1f%an <%ae>%x1f%(trailers:key=Switchyard-Run,valueonly)%x1e',
    range,
  );
  return out
    .split('\x1e')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [subject, author, run] = entry.split('\x1f');
      return { subject: subject!, author: author!, run: run!.trim() };
    });
}
