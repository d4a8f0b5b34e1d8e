/**
 * Merging a worktree run's branch into the branch it started from — fast-forward only, so the base gains exactly
 * the run's commits and nothing is ever resolved on the user's behalf. Where the base is checked out in the main
 * checkout, its files move with it (`git merge --ff-only` there); elsewhere only the ref moves, guarded by its old
 * value. Every refusal is an answer with its reason, not a half-done merge.
 */
import { gitText, runGit } from './git.ts';
import type { WorktreeRecord } from './worktree.ts';

/**
 * What merging the run's branch into its base would do now. `checkout_dirty` and `checked_out_elsewhere` are known
 * only when a merge is tried: the check the run's detail shows stays two git calls.
 */
export type MergeState =
  | 'ready'
  | 'merged'
  | 'nothing_to_merge'
  | 'not_fast_forward'
  | 'no_base_branch'
  | 'branch_missing'
  | 'base_missing'
  | 'checkout_dirty'
  | 'checked_out_elsewhere';

export interface MergeCheck {
  state: MergeState;
  /** One sentence: what a merge would do, or why it cannot, with the commands to do it by hand where they help. */
  reason: string;
  /** The base branch (null when the run started from a commit, not a branch). */
  base: string | null;
  /** Commits on the run's branch that the base lacks, and on the base that the branch lacks. */
  ahead: number;
  behind: number;
  /** The branches' commits now; null for one that is gone. */
  baseTip: string | null;
  branchTip: string | null;
}

export type MergeOutcome =
  | {
      merged: true;
      base: string;
      /** The base's commit before and after (the run branch's tip). */
      from: string;
      to: string;
      commits: number;
      /** Whether the main checkout's files were updated too (the base was checked out there). */
      checkoutUpdated: boolean;
    }
  | { merged: false; check: MergeCheck };

/** Whether, and how, the run's branch can be fast-forwarded into its base now. */
export async function checkMerge(record: WorktreeRecord): Promise<MergeCheck> {
  const base = record.baseRef;
  const none = { base, ahead: 0, behind: 0, baseTip: null, branchTip: null };
  if (!base) {
    return {
      ...none,
      state: 'no_base_branch',
      reason:
        `the run started from commit ${record.base.slice(0, 12)}, not from a branch, so there is no base to merge ` +
        `into; merge it by hand where you want it: git merge --ff-only ${record.branch}`,
    };
  }
  const tips = await refTips(record.repository, [record.branch, base]);
  const branchTip = tips.get(record.branch) ?? null;
  const baseTip = tips.get(base) ?? null;
  if (!branchTip) {
    return {
      ...none,
      baseTip,
      state: 'branch_missing',
      reason: `the run's branch ${record.branch} no longer exists, so there is nothing to merge`,
    };
  }
  if (!baseTip) {
    return {
      ...none,
      branchTip,
      state: 'base_missing',
      reason: `the base branch ${base} no longer exists; recreate it, or merge ${record.branch} by hand where you want it`,
    };
  }
  const counts = await gitText(record.repository, ['rev-list', '--left-right', '--count', `${baseTip}...${branchTip}`]);
  const [behind, ahead] = counts.split(/\s+/).map(Number) as [number, number];
  const facts = { base, ahead, behind, baseTip, branchTip };
  if (ahead === 0) {
    return branchTip === record.base
      ? { ...facts, state: 'nothing_to_merge', reason: `the run committed nothing, so there is nothing to merge` }
      : { ...facts, state: 'merged', reason: `${base} already has every commit of ${record.branch}` };
  }
  if (behind > 0) {
    return {
      ...facts,
      state: 'not_fast_forward',
      reason:
        `${base} has moved on: it has ${plural(behind, 'commit')} that ${record.branch} lacks, and the branch has ` +
        `${plural(ahead, 'commit')} of its own, so ${base} cannot be fast-forwarded; rebase the branch by hand ` +
        `(git rebase ${base} ${record.branch}) and merge again, or merge it with a merge commit ` +
        `(git switch ${base} && git merge ${record.branch})`,
    };
  }
  return {
    ...facts,
    state: 'ready',
    reason: `${base} can be fast-forwarded by ${plural(ahead, 'commit')} to ${record.branch}`,
  };
}

/**
 * Fast-forwards the base branch to the run's branch. The base checked out in the main checkout moves with its
 * files, which is refused when uncommitted changes there touch a file the merge changes; checked out in another
 * worktree, it is refused (moving the ref alone would leave that worktree's files behind it); checked out nowhere,
 * only the ref moves, and only from the commit it was checked at.
 */
export async function mergeIntoBase(record: WorktreeRecord): Promise<MergeOutcome> {
  const check = await checkMerge(record);
  if (check.state !== 'ready') return { merged: false, check };
  const base = check.base!;
  const from = check.baseTip!;
  const to = check.branchTip!;
  const holder = await checkoutOf(record.repository, base);
  const done = (checkoutUpdated: boolean): MergeOutcome => ({
    merged: true,
    base,
    from,
    to,
    commits: check.ahead,
    checkoutUpdated,
  });
  if (holder === null) {
    await runGit(record.repository, [
      'update-ref',
      '-m',
      `switchyard: merge ${record.branch}`,
      `refs/heads/${base}`,
      to,
      from,
    ]);
    return done(false);
  }
  if (holder !== record.repository) {
    return {
      merged: false,
      check: {
        ...check,
        state: 'checked_out_elsewhere',
        reason:
          `${base} is checked out in the worktree ${holder}, whose files would not follow the branch; merge there ` +
          `by hand: git -C ${holder} merge --ff-only ${record.branch}`,
      },
    };
  }
  const touched = await touchedUncommitted(record.repository, from, to);
  if (touched.length > 0) {
    const shown = touched.slice(0, 5).join(', ') + (touched.length > 5 ? ` and ${touched.length - 5} more` : '');
    return {
      merged: false,
      check: {
        ...check,
        state: 'checkout_dirty',
        reason:
          `the main checkout (${record.repository}) has uncommitted changes to ${plural(touched.length, 'file')} ` +
          `the merge would change (${shown}); commit or stash them, then merge again`,
      },
    };
  }
  // `--ff-only` from the commit checked: git refuses, changing nothing, if the base moved or the files changed since.
  await runGit(record.repository, ['merge', '--ff-only', '--quiet', '--no-edit', to]);
  return done(true);
}

/** The commits of the branches that exist, by name. */
async function refTips(repository: string, branches: string[]): Promise<Map<string, string>> {
  const refs = branches.map((branch) => `refs/heads/${branch}`);
  const listed = await gitText(repository, ['for-each-ref', '--format=%(objectname) %(refname)', ...refs]);
  const tips = new Map<string, string>();
  for (const line of listed.split('\n').filter(Boolean)) {
    const [sha, ref] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
    // for-each-ref matches by prefix too (refs/heads/main/x): only the exact refs count.
    const index = refs.indexOf(ref);
    if (index >= 0) tips.set(branches[index]!, sha);
  }
  return tips;
}

/** The top-level directory of the worktree (main checkout or linked) that has `branch` checked out, if any. */
async function checkoutOf(repository: string, branch: string): Promise<string | null> {
  const list = await gitText(repository, ['worktree', 'list', '--porcelain', '-z']);
  let path: string | null = null;
  for (const field of list.split('\0')) {
    if (field.startsWith('worktree ')) path = field.slice('worktree '.length);
    else if (field === `branch refs/heads/${branch}`) return path;
  }
  return null;
}

/** The files the main checkout has uncommitted changes to (staged, unstaged, untracked) that `from..to` changes. */
async function touchedUncommitted(repository: string, from: string, to: string): Promise<string[]> {
  const [status, changed] = await Promise.all([
    gitText(repository, ['status', '--porcelain', '-z', '--untracked-files=all']),
    gitText(repository, ['diff', '--name-only', '-z', '--no-renames', from, to]),
  ]);
  const dirty = new Set<string>();
  const fields = status.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i]!;
    if (entry.length < 4) continue;
    dirty.add(entry.slice(3));
    // A rename or copy is followed by the path it came from.
    if (entry[0] === 'R' || entry[0] === 'C') dirty.add(fields[++i]!);
  }
  return changed.split('\0').filter((path) => path && dirty.has(path));
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
