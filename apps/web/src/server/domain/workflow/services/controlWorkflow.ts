/**
 * Control of a run — pause, resume, cancel, approve a gate, re-run from a phase — through the engine, so a run
 * executing in this process stops at once and one executing elsewhere sees the request at its next poll.
 */
import { InvalidInputError } from '../../../../errors.ts';
import type { WorkflowServiceDeps } from './deps.ts';
import { getWorkflowRunById } from './getWorkflowRunById.ts';
import type { RunDetail } from '../../../../protocol/runs.ts';
import { requireRun } from '../runLookups.ts';
import type { ProjectRef } from '../workflowRuntime.ts';

async function projectOf(deps: WorkflowServiceDeps, runId: string): Promise<ProjectRef> {
  const run = await requireRun(deps.db, runId);
  return { id: run.project_id, path: run.project_path };
}

async function executorOf(deps: WorkflowServiceDeps, runId: string) {
  return deps.runtime.executorFor(await projectOf(deps, runId));
}

/** Pauses at the next step boundary, or with `now` stops the running step (it runs again, or its agent session continues, on resume). */
export async function pauseWorkflow(
  deps: WorkflowServiceDeps,
  runId: string,
  options: { now?: boolean } = {},
): Promise<RunDetail> {
  await (await executorOf(deps, runId)).pause(runId, options);
  return getWorkflowRunById(deps, runId);
}

/** Makes a paused or failed run runnable again; a worker replays it, completed steps are not run again. */
export async function resumeWorkflow(deps: WorkflowServiceDeps, runId: string): Promise<RunDetail> {
  await (await executorOf(deps, runId)).resume(runId);
  deps.wakeWorkers();
  return getWorkflowRunById(deps, runId);
}

/** Cancels a run: its running step's process tree is killed and the run ends as cancelled. */
export async function cancelWorkflow(deps: WorkflowServiceDeps, runId: string): Promise<RunDetail> {
  await (await executorOf(deps, runId)).cancel(runId);
  return getWorkflowRunById(deps, runId);
}

/** Approves the manual gate a waiting run stands at. */
export async function advanceWorkflow(deps: WorkflowServiceDeps, runId: string): Promise<RunDetail> {
  await (await executorOf(deps, runId)).advance(runId);
  deps.wakeWorkers();
  return getWorkflowRunById(deps, runId);
}

/** Runs `phase` and every later phase again; earlier results stay, superseded attempts are kept as history. */
export async function rerunWorkflow(deps: WorkflowServiceDeps, runId: string, phase: string): Promise<RunDetail> {
  const project = await projectOf(deps, runId);
  const definition = await deps.runtime.pinnedDefinition(project, runId);
  if (!definition.phases.some((p) => p.id === phase)) {
    const phases = definition.phases.map((p) => p.id).join(', ');
    throw new InvalidInputError([
      { field: 'phase', message: `"${phase}" is not a phase of ${definition.id} (${phases})` },
    ]);
  }
  await deps.runtime.executorFor(project).rerun(runId, phase, definition);
  deps.wakeWorkers();
  return getWorkflowRunById(deps, runId);
}

/** Starts execution of a runnable run: the worker pool claims it. */
export async function executeWorkflow(deps: WorkflowServiceDeps, runId: string): Promise<void> {
  await requireRun(deps.db, runId);
  deps.wakeWorkers();
}
