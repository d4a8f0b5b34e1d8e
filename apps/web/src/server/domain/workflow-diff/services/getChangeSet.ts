/**
 * The changes of a run or a step, from the run's git branch: a step's commit against its parent, the branch's tip
 * against the base commit the run started from. Runs in place have none to show.
 */
import { eq } from 'drizzle-orm';
import { diffCommits, runGit } from '@switchyard/workflow-engine';
import type { CommitDiff, WorkspaceRecord } from '@switchyard/workflow-engine';
import type { AppDatabase } from '../../../db/connection.ts';
import { workflowRunSteps } from '../../../db/schema.ts';
import { GoneError, NotFoundError } from '../../../../errors.ts';
import type { ChangeSet } from '../../../../protocol/diffs.ts';
import { requireRun } from '../../workflow/runLookups.ts';
import { readRunWorkspace } from '../../workflow/runWorkspace.ts';

export interface Page {
  offset: number;
  limit: number;
}

/** `GET /api/workflow-steps/:id/diff`: what the step committed; nothing for a step that changed no file. */
export async function getStepChangeSet(deps: { db: AppDatabase }, stepRowId: string, page: Page): Promise<ChangeSet> {
  const [step] = await deps.db.select().from(workflowRunSteps).where(eq(workflowRunSteps.id, stepRowId));
  if (!step) throw new NotFoundError('workflow step', stepRowId);
  const run = await requireRun(deps.db, step.workflow_run_id);
  const workspace = await readRunWorkspace(run.project_path, run.id);
  const commit = step.output?.commit;
  if (workspace.mode !== 'worktree' || !commit) return empty(workspace, page);
  return view(workspace, await diffCommits(workspace.repository, `${commit}^`, commit, page), page);
}

/** `GET /api/workflow-executions/:id/diff`: the run's branch against the commit it started from. */
export async function getRunChangeSet(deps: { db: AppDatabase }, runId: string, page: Page): Promise<ChangeSet> {
  const run = await requireRun(deps.db, runId);
  const workspace = await readRunWorkspace(run.project_path, run.id);
  if (workspace.mode !== 'worktree') return empty(workspace, page);
  const tip = await runGit(
    workspace.repository,
    ['rev-parse', '--verify', '--quiet', `refs/heads/${workspace.branch}`],
    {
      okCodes: [0, 1],
    },
  );
  if (tip.code !== 0) {
    throw new GoneError(
      'branch_missing',
      `the run's branch ${workspace.branch} no longer exists in ${workspace.repository}`,
    );
  }
  return view(workspace, await diffCommits(workspace.repository, workspace.base, tip.stdout.trim(), page), page);
}

function empty(workspace: WorkspaceRecord, page: Page): ChangeSet {
  return {
    workspace: workspace.mode,
    from: null,
    to: null,
    stats: { files: 0, additions: 0, deletions: 0 },
    files: [],
    pagination: { total: 0, ...page },
  };
}

function view(workspace: WorkspaceRecord, diff: CommitDiff, page: Page): ChangeSet {
  return {
    workspace: workspace.mode,
    from: diff.from,
    to: diff.to,
    stats: { files: diff.files.length, additions: diff.additions, deletions: diff.deletions },
    files: diff.files.slice(page.offset, page.offset + page.limit).map((file) => ({
      path: file.path,
      old_path: file.oldPath,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      binary: file.binary,
      patch: file.patch,
    })),
    pagination: { total: diff.files.length, ...page },
  };
}
