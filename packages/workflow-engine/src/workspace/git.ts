/**
 * The one way the engine talks to git: the `git` program as a child process, with an argument list (never a
 * shell), a fixed identity and locale, and no hooks — a user's pre-commit or post-checkout hook must not run, or
 * fail, inside a run's bookkeeping.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { WorkspaceError } from '../errors.ts';

/** Who the run branch's commits are by. */
export const SWITCHYARD_AUTHOR = { name: 'Switchyard', email: 'switchyard@localhost' } as const;

export interface GitOptions {
  /** Text for git's stdin. */
  input?: string;
  /** Exit codes that are answers rather than failures (`diff --quiet` exits 1 for "differs"). */
  okCodes?: number[];
  /** Extra variables for git's environment. */
  env?: Record<string, string>;
}

export interface GitAnswer {
  stdout: string;
  code: number;
}

/** Variables of this process that would point git somewhere else than `cwd`, dropped from its environment. */
const REDIRECTING = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR'];

function gitEnvironment(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REDIRECTING) delete env[name];
  return {
    ...env,
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: SWITCHYARD_AUTHOR.name,
    GIT_AUTHOR_EMAIL: SWITCHYARD_AUTHOR.email,
    GIT_COMMITTER_NAME: SWITCHYARD_AUTHOR.name,
    GIT_COMMITTER_EMAIL: SWITCHYARD_AUTHOR.email,
    ...extra,
  };
}

/** Runs `git <args>` in `cwd`; an exit code not in `okCodes` (default: 0) is a `WorkspaceError` with git's stderr. */
export function runGit(cwd: string, args: string[], options: GitOptions = {}): Promise<GitAnswer> {
  const okCodes = options.okCodes ?? [0];
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['-c', 'core.hooksPath=/dev/null', '-c', 'core.quotePath=false', ...args],
      { cwd, env: gitEnvironment(options.env), maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
          // Node says ENOENT for a missing working directory as well as for a missing program.
          reject(
            existsSync(cwd)
              ? new WorkspaceError('git_unavailable', 'git is not installed (no git program on PATH)')
              : new WorkspaceError('git_failed', `git ${args[0]} cannot run in ${cwd}: the directory does not exist`),
          );
        } else if (okCodes.includes(code)) {
          resolve({ stdout, code });
        } else {
          const said = stderr.trim() || stdout.trim() || String(error?.message ?? 'no output');
          reject(new WorkspaceError('git_failed', `git ${args.join(' ')} failed in ${cwd}: ${said}`));
        }
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** `git <args>`'s stdout without its trailing newline. */
export async function gitText(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  return (await runGit(cwd, args, options)).stdout.replace(/\n$/, '');
}
