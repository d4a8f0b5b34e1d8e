/**
 * A run as the API sends it: the `workflow_runs` row in snake_case (lease internals left out), with its active
 * steps, its template, and comment and artifact counts for the board's badges.
 */
import { and, asc, count, eq, inArray, isNull } from 'drizzle-orm';
import type { AppDatabase } from '../../db/connection.ts';
import { rowJson } from '../../db/rowJson.ts';
import type { workflowRuns } from '../../db/schema.ts';
import { workflowArtifacts, workflowComments, workflowDefinitions, workflowRunSteps } from '../../db/schema.ts';
import type { Run } from '../../../protocol/runs.ts';
import { workflowDefinitionView } from '../workflow-definition/services/getWorkflowDefinitions.ts';

export type RunRow = typeof workflowRuns.$inferSelect;

/** Views of several runs with four queries in all, whatever their number: the board lists pages of them. */
export async function runViews(db: AppDatabase, runs: RunRow[]): Promise<Run[]> {
  if (runs.length === 0) return [];
  const runIds = runs.map((r) => r.id);
  const [steps, definitions, comments, artifacts] = await Promise.all([
    db
      .select()
      .from(workflowRunSteps)
      .where(and(inArray(workflowRunSteps.workflow_run_id, runIds), isNull(workflowRunSteps.invalidated_at)))
      .orderBy(asc(workflowRunSteps.step_index)),
    db
      .select()
      .from(workflowDefinitions)
      .where(inArray(workflowDefinitions.id, [...new Set(runs.map((r) => r.workflow_definition_id))])),
    db
      .select({ runId: workflowComments.workflow_run_id, n: count() })
      .from(workflowComments)
      .where(inArray(workflowComments.workflow_run_id, runIds))
      .groupBy(workflowComments.workflow_run_id),
    db
      .select({ runId: workflowRunSteps.workflow_run_id, n: count() })
      .from(workflowArtifacts)
      .innerJoin(workflowRunSteps, eq(workflowRunSteps.id, workflowArtifacts.workflow_run_step_id))
      .where(inArray(workflowRunSteps.workflow_run_id, runIds))
      .groupBy(workflowRunSteps.workflow_run_id),
  ]);
  const definitionById = new Map(definitions.map((d) => [d.id, workflowDefinitionView(d)]));
  const commentCount = new Map(comments.map((c) => [c.runId, Number(c.n)]));
  const artifactCount = new Map(artifacts.map((a) => [a.runId, Number(a.n)]));
  return runs.map((run) => {
    const { lease_owner, lease_expires_at, lease_epoch: _epoch, ...rest } = run;
    const leaseLive = lease_owner !== null && lease_expires_at !== null && Date.parse(lease_expires_at) > Date.now();
    return {
      ...rowJson(rest),
      worker: leaseLive ? lease_owner : null,
      steps: steps.filter((s) => s.workflow_run_id === run.id).map(rowJson),
      workflow_definition: definitionById.get(run.workflow_definition_id) ?? null,
      comment_count: commentCount.get(run.id) ?? 0,
      artifact_count: artifactCount.get(run.id) ?? 0,
    };
  });
}

export async function runView(db: AppDatabase, run: RunRow): Promise<Run> {
  return (await runViews(db, [run]))[0]!;
}
