/**
 * Forking a run from one of its steps: a new run of the same pinned template and args whose journal holds copies of
 * the parent's steps before that one — they replay, they do not run again — and whose worktree branch starts at the
 * commit that step started from. The new run links to its parent; the parent is not touched.
 */
import { randomUUID } from 'node:crypto';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { and, asc, eq, isNull, lt } from 'drizzle-orm';
import {
  createWorktree,
  ExecutionFiles,
  InvalidTransitionError,
  planWorkspace,
  removeWorktree,
} from '@switchyard/workflow-engine';
import type { WorkspaceRecord } from '@switchyard/workflow-engine';
import { workflowComments, workflowDefinitions, workflowRuns, workflowRunSteps } from '../../../db/schema.ts';
import { InvalidInputError } from '../../../../errors.ts';
import type { RunDetail } from '../../../../protocol/runs.ts';
import { projectLayout } from '../../project/projectLayout.ts';
import { requireRun, requireStepOfRun } from '../runLookups.ts';
import type { WorkflowServiceDeps } from './deps.ts';
import { getWorkflowRunById } from './getWorkflowRunById.ts';

/** The statuses a step's record is final with: a copy of it replays instead of running. */
const FINAL = new Set(['completed', 'skipped', 'failed']);

export async function forkWorkflowRun(
  deps: WorkflowServiceDeps,
  runId: string,
  fromStepRowId: string,
): Promise<RunDetail> {
  const field = 'from_step_id';
  const parent = await requireRun(deps.db, runId);
  const step = await requireStepOfRun(deps.db, parent.id, fromStepRowId, field);
  if (step.invalidated_at !== null) {
    throw new InvalidInputError([
      { field, message: `step ${step.step_id} of this record was superseded by a re-run; fork from a current step` },
    ]);
  }
  const [[parentRow], earlier, [definition]] = await Promise.all([
    deps.db.select().from(workflowRuns).where(eq(workflowRuns.id, parent.id)),
    deps.db
      .select()
      .from(workflowRunSteps)
      .where(
        and(
          eq(workflowRunSteps.workflow_run_id, parent.id),
          isNull(workflowRunSteps.invalidated_at),
          lt(workflowRunSteps.step_index, step.step_index),
        ),
      )
      .orderBy(asc(workflowRunSteps.step_index)),
    deps.db
      .select({ identifier: workflowDefinitions.identifier })
      .from(workflowDefinitions)
      .innerJoin(workflowRuns, eq(workflowRuns.workflow_definition_id, workflowDefinitions.id))
      .where(eq(workflowRuns.id, parent.id)),
  ]);
  const unfinished = earlier.find((record) => !FINAL.has(record.status) || record.output === null);
  if (unfinished) {
    throw new InvalidTransitionError(
      parent.id,
      `fork from step ${step.step_id}`,
      `its step ${unfinished.step_id} is ${unfinished.status}`,
    );
  }

  const layout = projectLayout(parent.project_path);
  const childId = randomUUID();
  const parentFiles = new ExecutionFiles(layout.executionsDir, parent.id);
  const childFiles = new ExecutionFiles(layout.executionsDir, childId);
  const parentWorkspace = await parentFiles.readWorkspace();
  // The commit the step started from: that of the last earlier step that changed files, else the run's base.
  const base =
    parentWorkspace.mode === 'worktree'
      ? ([...earlier].reverse().find((record) => record.output?.commit)?.output?.commit ?? parentWorkspace.base)
      : undefined;
  const planned: WorkspaceRecord = base
    ? await planWorkspace({
        projectDir: parent.project_path,
        runId: childId,
        slug: definition?.identifier ?? 'fork',
        mode: 'worktree',
        base,
      })
    : { mode: 'in-place' };
  // Started from a commit, the fork still merges into the branch its parent does.
  const workspace: WorkspaceRecord =
    planned.mode === 'worktree' && parentWorkspace.mode === 'worktree'
      ? { ...planned, baseRef: parentWorkspace.baseRef }
      : planned;

  try {
    await copyPinnedFiles(
      parentFiles,
      childFiles,
      earlier.map((record) => record.step_id),
    );
    if (workspace.mode === 'worktree') await createWorktree(workspace);
    await childFiles.writeWorkspace(workspace);
    const phases = new Set(earlier.map((record) => record.phase));
    await deps.db.transaction(async (tx) => {
      await tx.insert(workflowRuns).values({
        id: childId,
        project_id: parent.project_id,
        workflow_definition_id: parentRow!.workflow_definition_id,
        name: `${parentRow!.name} (fork)`,
        args: parentRow!.args,
        status: 'pending',
        current_phase: earlier.at(-1)?.phase ?? null,
        current_step_index: step.step_index,
        approved_gates: parentRow!.approved_gates.filter((gate) => phases.has(gate)),
        // The engine reads no journal on a run's first claim (epoch 1): this one has a journal already.
        lease_epoch: 1,
        parent_run_id: parent.id,
      });
      if (earlier.length > 0) {
        await tx.insert(workflowRunSteps).values(
          earlier.map(({ id: _id, workflow_run_id: _run, created_at: _c, updated_at: _u, ...record }) => ({
            ...record,
            workflow_run_id: childId,
            log_directory_path: record.log_directory_path && childFiles.logsDir(record.step_id),
          })),
        );
      }
      await tx.insert(workflowComments).values({
        workflow_run_id: childId,
        text:
          `Forked from run ${parent.id} at step ${step.step_id}` + (base ? `, from commit ${base.slice(0, 12)}` : ''),
        comment_type: 'system',
        dedupe_key: 'fork',
      });
    });
  } catch (error) {
    if (workspace.mode === 'worktree') await removeWorktree(workspace).catch(() => undefined);
    await rm(childFiles.dir, { recursive: true, force: true });
    throw error;
  }
  deps.bus.publish(parent.project_id, {
    type: 'workflow.execution.status_changed',
    data: { execution_id: childId, status: 'pending', previous_status: null },
  });
  deps.wakeWorkers();
  return getWorkflowRunById(deps, childId);
}

/** The parent's pinned template and args, and the logs and artifact files of the steps the fork's journal copies. */
async function copyPinnedFiles(parent: ExecutionFiles, child: ExecutionFiles, stepIds: string[]): Promise<void> {
  await child.create();
  for (const name of ['definition.json', 'args.json', 'source']) {
    await cp(join(parent.dir, name), join(child.dir, name), { recursive: true, errorOnExist: true, force: false });
  }
  const copy = (from: string, to: string) =>
    cp(from, to, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      // A step that wrote no logs (a function step) or published no artifact has no folder to copy.
      if (error.code !== 'ENOENT') throw error;
    });
  for (const stepId of stepIds) {
    await copy(parent.logsDir(stepId), child.logsDir(stepId));
    await copy(parent.artifactsDir(stepId), child.artifactsDir(stepId));
  }
}
