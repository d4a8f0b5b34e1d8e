/**
 * "Merge into base": a finished worktree run's branch fast-forwarded into the branch it started from (the engine's
 * `mergeIntoBase`), said on the run as a system comment, whose event refreshes the board's card and detail.
 */
import { eq } from 'drizzle-orm';
import { mergeIntoBase } from '@switchyard/workflow-engine';
import { workflowComments, workflowRuns } from '../../../db/schema.ts';
import { MergeRefusedError } from '../../../../errors.ts';
import type { MergeAnswer } from '../../../../protocol/runs.ts';
import { commentView } from '../../workflow-comment/commentView.ts';
import { requireRun } from '../runLookups.ts';
import { IN_PLACE_MERGE, mergeRefusalOfRun, readRunWorkspace } from '../runWorkspace.ts';
import type { WorkflowServiceDeps } from './deps.ts';
import { getWorkflowRunById } from './getWorkflowRunById.ts';

export async function mergeWorkflowRun(deps: WorkflowServiceDeps, runId: string): Promise<MergeAnswer> {
  const run = await requireRun(deps.db, runId);
  const [[row], record] = await Promise.all([
    deps.db.select({ status: workflowRuns.status }).from(workflowRuns).where(eq(workflowRuns.id, run.id)),
    readRunWorkspace(run.project_path, run.id),
  ]);
  const refused = mergeRefusalOfRun(row!.status, record);
  if (refused || record.mode === 'in-place') {
    const { state, reason, base } = refused ?? IN_PLACE_MERGE;
    throw new MergeRefusedError(run.id, state, reason, base);
  }
  const outcome = await mergeIntoBase(record);
  if (!outcome.merged) {
    const { state, reason, base } = outcome.check;
    throw new MergeRefusedError(run.id, state, reason, base);
  }
  const [comment] = await deps.db
    .insert(workflowComments)
    .values({
      workflow_run_id: run.id,
      text:
        `Merged into ${outcome.base} at ${outcome.to.slice(0, 12)} (${outcome.commits} ` +
        `commit${outcome.commits === 1 ? '' : 's'}, fast-forward from ${outcome.from.slice(0, 12)})`,
      comment_type: 'system',
      // One per merge: the same branch merged again after a re-run added commits says so again.
      dedupe_key: `merge:${outcome.to}`,
    })
    .onConflictDoNothing()
    .returning();
  if (comment) {
    deps.bus.publish(run.project_id, {
      type: 'workflow.comment.created',
      data: { execution_id: run.id, step_id: null, comment: commentView(comment) },
    });
  }
  return {
    base: outcome.base,
    from: outcome.from,
    to: outcome.to,
    commits: outcome.commits,
    checkout_updated: outcome.checkoutUpdated,
    run: await getWorkflowRunById(deps, run.id),
  };
}
