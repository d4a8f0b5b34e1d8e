/**
 * A run's worktree: where it is, which branch and base commit it has, and making, finding and removing it. The
 * choice is made once, at run start, and kept in the run's `workspace.json`; every later execution of the run
 * opens the same worktree, or recreates it from its branch when someone deleted it.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WorkspaceError } from '../errors.ts';
import { gitText, runGit } from './git.ts';

export type WorkspaceMode = 'worktree' | 'in-place';

/** What `workspace.json` holds: how a run's steps see the project's files. */
export type WorkspaceRecord =
  | { mode: 'in-place'; /** Why a worktree was not made where it was the default. */ note?: string }
  | {
      mode: 'worktree';
      /** The main checkout's top-level directory. */
      repository: string;
      /** The worktree's top-level directory: `<project>/.agent/worktrees/<run id>`. */
      path: string;
      /** The project directory relative to the repository's top level ('' when they are the same). */
      subdir: string;
      branch: string;
      /** The commit the branch starts from. */
      base: string;
      /**
       * The branch the run started from and merges back into: the main checkout's at start, or the base given by
       * name; null for a detached HEAD or a base given as a commit.
       */
      baseRef: string | null;
      /** Facts worth telling the user (a dirty main checkout, a detached HEAD, a renamed branch). */
      note?: string;
    };

export type WorktreeRecord = Extract<WorkspaceRecord, { mode: 'worktree' }>;

export interface WorkspaceRequest {
  projectDir: string;
  runId: string;
  /** The template's id, the readable part of the branch name. */
  slug: string;
  /** Asked for by the run or its template; undefined takes the default (a worktree in a git repository). */
  mode: WorkspaceMode | undefined;
  /** A commit-ish to start from instead of HEAD. */
  base?: string | undefined;
}

/** The directory a worktree run's steps execute in: the project's directory inside the worktree. */
export function worktreeDir(record: WorktreeRecord): string {
  return record.subdir ? join(record.path, record.subdir) : record.path;
}

/**
 * Decides a run's workspace without changing anything: a worktree when asked for, or by default in a git
 * repository that can have one. Asked for explicitly, a worktree that cannot be made is an error saying why; by
 * default, the run falls back to in-place with the reason as its note.
 */
export async function planWorkspace(request: WorkspaceRequest): Promise<WorkspaceRecord> {
  if (request.mode === 'in-place') {
    if (request.base) {
      throw new WorkspaceError(
        'base_invalid',
        'a run in place works in the project directory as it is: it has no base',
      );
    }
    return { mode: 'in-place' };
  }
  // A base asked for is a worktree asked for: a run that cannot have one is refused rather than run in place.
  const explicit = request.mode === 'worktree' || request.base !== undefined;
  // Most projects that are no repository are told apart by a few stats, without starting git for each run.
  if (!explicit && !insideRepository(request.projectDir)) return { mode: 'in-place' };
  try {
    return await planWorktree(request);
  } catch (error) {
    if (explicit || !(error instanceof WorkspaceError) || error.code === 'git_failed') throw error;
    if (error.code === 'not_a_git_repository' || error.code === 'git_unavailable') return { mode: 'in-place' };
    return { mode: 'in-place', note: `${error.message}; the run works in the project directory itself` };
  }
}

/** Whether `dir` or a folder above it has a `.git` (a directory, or the file of a worktree or submodule). */
function insideRepository(dir: string): boolean {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return true;
    if (dirname(current) === current) return false;
  }
}

async function planWorktree(request: WorkspaceRequest): Promise<WorktreeRecord> {
  const { projectDir } = request;
  const inside = await runGit(projectDir, ['rev-parse', '--show-toplevel'], { okCodes: [0, 128] });
  if (inside.code !== 0) {
    throw new WorkspaceError(
      'not_a_git_repository',
      `${projectDir} is not in a git repository, so a run cannot have a worktree; use workspace: in-place, or git init`,
    );
  }
  const repository = await realpath(inside.stdout.trim());
  const given = request.base ?? 'HEAD';
  const resolved = await runGit(repository, ['rev-parse', '--verify', '--quiet', `${given}^{commit}`], {
    okCodes: [0, 1, 128],
  });
  if (resolved.code !== 0) {
    throw request.base
      ? new WorkspaceError(
          'base_invalid',
          `base ${JSON.stringify(request.base)} names no branch or commit in ${repository}`,
        )
      : new WorkspaceError(
          'workspace_unsupported',
          `the repository ${repository} has no commit yet, so a worktree has nothing to start from`,
        );
  }
  const base = resolved.stdout.trim();
  await refuseUnsupported(repository, base);
  const notes: string[] = [];
  // A base given as a branch name is the branch the run merges back into; one given as a commit has none.
  let baseRef: string | null = request.base && (await branchExists(repository, request.base)) ? request.base : null;
  if (!request.base) {
    const head = await runGit(repository, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okCodes: [0, 1] });
    baseRef = head.code === 0 ? head.stdout.trim() : null;
    if (!baseRef)
      notes.push(`the main checkout has a detached HEAD; the run starts from its commit ${base.slice(0, 12)}`);
    // Without optional locks, status does not refresh (write) the main checkout's index.
    const status = await gitText(repository, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no']);
    if (status) {
      notes.push('the main checkout has uncommitted changes, which the run does not see: it starts from HEAD');
    }
  }
  const wanted = `switchyard/${request.runId.slice(0, 8)}-${request.slug}`;
  const branch = await freeBranchName(repository, wanted);
  if (branch !== wanted) notes.push(`branch ${wanted} already exists, so the run's branch is ${branch}`);
  const project = await realpath(projectDir);
  return {
    mode: 'worktree',
    repository,
    path: join(project, '.agent', 'worktrees', request.runId),
    subdir: relative(repository, project),
    branch,
    base,
    baseRef,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

/**
 * Submodules are not checked out in a new worktree and LFS files would be pointers without git-lfs: steps would
 * see a different project than the main checkout, so such repositories run in place.
 */
async function refuseUnsupported(repository: string, base: string): Promise<void> {
  const top = (await gitText(repository, ['ls-tree', '--name-only', base, '--', '.gitmodules', '.gitattributes']))
    .split('\n')
    .filter(Boolean);
  if (top.includes('.gitmodules')) {
    throw new WorkspaceError(
      'workspace_unsupported',
      'the repository has submodules, which a worktree would not check out; use workspace: in-place',
    );
  }
  if (top.includes('.gitattributes')) {
    const attributes = await gitText(repository, ['show', `${base}:.gitattributes`]);
    if (/\bfilter=lfs\b/.test(attributes)) {
      throw new WorkspaceError(
        'workspace_unsupported',
        'the repository stores files with Git LFS, which a worktree may check out as pointers; use workspace: in-place',
      );
    }
  }
}

async function branchExists(repository: string, branch: string): Promise<boolean> {
  const answer = await runGit(repository, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
    okCodes: [0, 1],
  });
  return answer.code === 0;
}

async function freeBranchName(repository: string, wanted: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? wanted : `${wanted}-${n}`;
    if (!(await branchExists(repository, name))) return name;
  }
}

/** Makes the worktree on its new branch, and keeps it out of the main checkout's `git status`. */
export async function createWorktree(record: WorktreeRecord): Promise<void> {
  await mkdir(join(record.path, '..'), { recursive: true });
  await runGit(record.repository, ['worktree', 'add', '--no-track', '-b', record.branch, record.path, record.base]);
  await excludeWorktrees(record);
}

/**
 * A worktree inside the main checkout would show there as an untracked directory: its folder goes into the
 * repository's `info/exclude` (shared by every worktree, never committed), not into a file of the checkout.
 */
async function excludeWorktrees(record: WorktreeRecord): Promise<void> {
  const folder = relative(record.repository, join(record.path, '..'));
  if (folder.startsWith('..') || isAbsolute(folder)) return;
  const pattern = `/${folder.split(sep).join('/')}/`;
  const commonDir = await gitText(record.repository, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  const exclude = join(commonDir, 'info', 'exclude');
  const current = await readFile(exclude, 'utf8').catch(() => '');
  if (current.split('\n').includes(pattern)) return;
  await mkdir(join(commonDir, 'info'), { recursive: true });
  await appendFile(exclude, `${current === '' || current.endsWith('\n') ? '' : '\n'}${pattern}\n`);
}

/**
 * Finds the run's worktree, or recreates it — from its branch, or at `fallback` (the commit the journal ends at)
 * when the branch is gone too. Answers whether it had to.
 */
export async function openWorktree(record: WorktreeRecord, fallback: string): Promise<'found' | 'recreated'> {
  if (existsSync(join(record.path, '.git'))) return 'found';
  // The worktree's folder went without git being told: forget it before adding it again.
  await runGit(record.repository, ['worktree', 'prune']);
  await mkdir(join(record.path, '..'), { recursive: true });
  if (await branchExists(record.repository, record.branch)) {
    await runGit(record.repository, ['worktree', 'add', record.path, record.branch]);
  } else {
    await runGit(record.repository, ['worktree', 'add', '--no-track', '-b', record.branch, record.path, fallback]);
  }
  await excludeWorktrees(record);
  return 'recreated';
}

/** Removes the worktree (its uncommitted changes with it); the branch and its commits stay. */
export async function removeWorktree(record: WorktreeRecord): Promise<void> {
  if (existsSync(record.path)) {
    await runGit(record.repository, ['worktree', 'remove', '--force', record.path]);
  }
  await runGit(record.repository, ['worktree', 'prune']);
}
