/**
 * What happens to a worktree around its run's steps: a step's changes become one commit on the run branch, and
 * before a run goes on from its journal the worktree is brought back to the commit the journal ends at — with
 * whatever is not in the journal (an interrupted step's files, commits of a superseded attempt) kept on a side
 * ref first, never silently lost.
 */
import { gitText, runGit } from './git.ts';

export interface StepIdentity {
  runId: string;
  stepId: string;
  name: string;
}

/** The trailer naming the run a commit belongs to: `Switchyard-Run: <run id>`. */
export const SWITCHYARD_COMMIT_TRAILER = 'Switchyard-Run';

/** The commit message of a step: `<step id>: <step name>`, and the run it belongs to as a trailer. */
export function stepCommitMessage(step: StepIdentity): string {
  return `${step.stepId}: ${step.name}\n\n${SWITCHYARD_COMMIT_TRAILER}: ${step.runId}\n`;
}

/** What a commit changed: files, and lines added and deleted (binary files count as files only). */
export interface ChangeCounts {
  files: number;
  additions: number;
  deletions: number;
}

/**
 * Commits everything changed in the worktree onto its branch: the new commit's sha and what it changed, or null
 * when nothing changed.
 */
export async function commitStep(
  dir: string,
  step: StepIdentity,
): Promise<{ sha: string; changes: ChangeCounts } | null> {
  const sha = await commitWorktree(dir, stepCommitMessage(step), 'HEAD');
  if (!sha) return null;
  const numstat = await gitText(dir, ['diff-tree', '--numstat', '-r', '-M', '--no-commit-id', sha]);
  const changes: ChangeCounts = { files: 0, additions: 0, deletions: 0 };
  for (const line of numstat.split('\n').filter(Boolean)) {
    const [added, deleted] = line.split('\t');
    changes.files++;
    changes.additions += Number(added) || 0;
    changes.deletions += Number(deleted) || 0;
  }
  return { sha, changes };
}

/**
 * Plumbing rather than `git commit`: no hooks, no signing prompt, no automatic gc racing another run's commit in
 * the same repository. `target` is the ref that moves to the new commit, and only from the commit the tree was
 * made on, so a concurrent writer fails loudly instead of being overwritten.
 */
async function commitWorktree(dir: string, message: string, target: string): Promise<string | null> {
  // One process answers the common case of a step that changed nothing; staging and comparing trees take three.
  if ((await gitText(dir, ['status', '--porcelain', '--untracked-files=all'])) === '') return null;
  await runGit(dir, ['add', '--all']);
  const tree = await gitText(dir, ['write-tree']);
  const [head, headTree] = (await gitText(dir, ['rev-parse', 'HEAD', 'HEAD^{tree}'])).split('\n');
  if (tree === headTree) return null;
  const sha = await gitText(dir, ['commit-tree', '--no-gpg-sign', tree, '-p', head!, '-F', '-'], { input: message });
  await runGit(dir, ['update-ref', '-m', message.split('\n')[0]!, target, sha, ...(target === 'HEAD' ? [head!] : [])]);
  return sha;
}

export interface RestoreOutcome {
  /**
   * The side refs written: `refs/switchyard/<run>/interrupted/<n>` (or `…/retried/<n>` for a failed attempt's
   * files), `refs/switchyard/<run>/attempts/<n>`.
   */
  saved: string[];
  /** Whether the worktree's files were reset to `expected`. */
  reset: boolean;
}

/**
 * Brings the worktree to `expected`, the commit the run's journal ends at, before the run goes on from there.
 * Uncommitted files (a step interrupted by a crash or a pause) are committed to an `interrupted` ref; commits past
 * `expected` that the journal does not hold (a superseded attempt, a step whose commit a crash kept from the
 * journal) to an `attempts` ref. With `keepFiles` — an agent step continuing its session — the files stay as the
 * agent left them and only the branch moves back.
 */
export async function restoreWorktree(
  dir: string,
  runId: string,
  expected: string,
  options: { keepFiles: boolean; failedAttempt?: { stepId: string; attempt: number } },
): Promise<RestoreOutcome> {
  const head = await gitText(dir, ['rev-parse', 'HEAD']);
  const dirty = (await gitText(dir, ['status', '--porcelain', '--untracked-files=all'])) !== '';
  const saved: string[] = [];
  if (dirty) {
    const failed = options.failedAttempt;
    const ref = await nextRef(dir, `refs/switchyard/${runId}/${failed ? 'retried' : 'interrupted'}`);
    const what = failed
      ? `retried: files attempt ${failed.attempt} of step ${failed.stepId} left when it failed`
      : `interrupted: files a step of run ${runId} left uncommitted`;
    const message = `${what}\n\n${SWITCHYARD_COMMIT_TRAILER}: ${runId}\n`;
    if (await commitWorktree(dir, message, ref)) saved.push(ref);
  }
  if (head !== expected && !(await isAncestor(dir, head, expected))) {
    const ref = await nextRef(dir, `refs/switchyard/${runId}/attempts`);
    await runGit(dir, ['update-ref', '-m', 'switchyard: superseded', ref, head]);
    saved.push(ref);
  }
  if (options.keepFiles) {
    if (head !== expected) await runGit(dir, ['reset', '--quiet', '--mixed', expected]);
    return { saved, reset: false };
  }
  if (!dirty && head === expected) return { saved, reset: false };
  await runGit(dir, ['reset', '--quiet', '--hard', expected]);
  // Untracked files are in the interrupted ref already; ignored ones (node_modules, build output) stay.
  await runGit(dir, ['clean', '--quiet', '-d', '--force']);
  return { saved, reset: true };
}

async function isAncestor(dir: string, commit: string, of: string): Promise<boolean> {
  return (await runGit(dir, ['merge-base', '--is-ancestor', commit, of], { okCodes: [0, 1] })).code === 0;
}

/** `<prefix>/<n>` for the next free n, from 1. */
async function nextRef(dir: string, prefix: string): Promise<string> {
  const existing = await gitText(dir, ['for-each-ref', '--format=%(refname)', `${prefix}/`]);
  const taken = new Set(existing.split('\n').filter(Boolean));
  for (let n = 1; ; n++) if (!taken.has(`${prefix}/${n}`)) return `${prefix}/${n}`;
}
