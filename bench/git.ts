/**
 * `git.snapshot_ms`: the commit that ends a step of a worktree run (`commitStep`: add, write-tree, commit-tree,
 * update-ref) after it changed 100 files of a 5,000-file repository, median of 5; `git.snapshot_unchanged_ms` the
 * same for a step that changed nothing (what every step of a worktree run pays); `git.worktree_add_ms` making a
 * run's worktree of that repository on a new branch (`createWorktree`, a checkout of the 5,000 files), median of 5.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { commitStep } from '../packages/workflow-engine/src/workspace/snapshot.ts';
import { createWorktree, planWorkspace, worktreeDir } from '../packages/workflow-engine/src/workspace/worktree.ts';
import type { WorktreeRecord } from '../packages/workflow-engine/src/workspace/worktree.ts';
import { distribution } from './stats.ts';

const FILES = 5_000;
const CHANGED = 100;
const TIMES = 5;

type Log = (line: string) => void;

function repository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-git-'));
  for (let i = 0; i < FILES; i++) {
    const folder = join(dir, `src${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(folder);
    writeFileSync(join(folder, `file${i}.ts`), `export const value${i} = ${i};\n`.repeat(20));
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '--all');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '--quiet', '-m', 'files');
  return dir;
}

async function newWorktree(repo: string): Promise<{ record: WorktreeRecord; ms: number }> {
  const record = (await planWorkspace({
    projectDir: repo,
    runId: randomUUID(),
    slug: 'bench',
    mode: 'worktree',
  })) as WorktreeRecord;
  const started = performance.now();
  await createWorktree(record);
  return { record, ms: performance.now() - started };
}

export async function benchGit(log: Log) {
  log(`git: a ${FILES}-file repository, ${TIMES} worktrees and ${TIMES} commits of ${CHANGED} changed files`);
  const repo = repository();
  try {
    const adds: number[] = [];
    let record: WorktreeRecord | undefined;
    for (let i = 0; i < TIMES; i++) {
      const made = await newWorktree(repo);
      adds.push(made.ms);
      record ??= made.record;
    }
    const dir = worktreeDir(record!);
    const snapshots: number[] = [];
    const unchanged: number[] = [];
    for (let round = 0; round < TIMES; round++) {
      for (let i = 0; i < CHANGED; i++) {
        const n = (round * CHANGED + i * 37) % FILES;
        writeFileSync(join(dir, `src${Math.floor(n / 100)}`, `file${n}.ts`), `export const value${n} = ${round};\n`);
      }
      const step = { runId: 'bench', stepId: `step-${round}`, name: `Step ${round}` };
      let started = performance.now();
      const sha = await commitStep(dir, step);
      snapshots.push(performance.now() - started);
      if (!sha) throw new Error('the bench changed files, yet commitStep made no commit');
      started = performance.now();
      if (await commitStep(dir, step)) throw new Error('nothing changed, yet commitStep made a commit');
      unchanged.push(performance.now() - started);
    }
    return {
      'git.snapshot_ms': { ...distribution(snapshots), files: FILES, changed: CHANGED },
      'git.snapshot_unchanged_ms': distribution(unchanged),
      'git.worktree_add_ms': { ...distribution(adds), files: FILES },
    };
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}
