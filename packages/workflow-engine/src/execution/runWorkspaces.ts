/**
 * A run's workspace at the executor's two moments: decided and made when the run starts — before the run exists,
 * so that a run never lacks the workspace it asked for — and opened (or recreated from its branch) each time the
 * run is executed. What is worth knowing on the way becomes a run comment.
 */
import { rm } from 'node:fs/promises';
import { WorkspaceError } from '../errors.ts';
import type { EventSink, RunStore } from '../ports.ts';
import type { ExecutionFiles } from '../storage/FileSystemStorage.ts';
import type { WorkflowRun } from '../types/workflow.ts';
import { RunWorkspace } from '../workspace/RunWorkspace.ts';
import { createWorktree, planWorkspace, removeWorktree } from '../workspace/worktree.ts';
import type { WorkspaceRecord, WorkspaceRequest } from '../workspace/worktree.ts';

interface Ports {
  store: RunStore;
  events: EventSink;
}

/**
 * Decides the run's workspace without writing anything: undefined where the executor keeps no files (no
 * executions directory), which cannot hold a worktree run.
 */
export async function chooseWorkspace(
  files: ExecutionFiles | undefined,
  request: WorkspaceRequest,
): Promise<WorkspaceRecord | undefined> {
  if (!files && request.mode === 'worktree') {
    throw new WorkspaceError('workspace_unsupported', 'a worktree run needs an executions directory to record it in');
  }
  return files ? planWorkspace(request) : undefined;
}

/** The worktree and `workspace.json`, or neither: a failure takes the run's directory (and worktree) with it. */
export async function makeWorkspace(files: ExecutionFiles, workspace: WorkspaceRecord): Promise<void> {
  try {
    if (workspace.mode === 'worktree') await createWorktree(workspace);
    await files.writeWorkspace(workspace);
  } catch (error) {
    if (workspace.mode === 'worktree') await removeWorktree(workspace).catch(() => undefined);
    await rm(files.dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * What is worth knowing about where a run works — a dirty main checkout, a detached HEAD, a renamed branch, why it
 * works in place — said once on the run. The branch itself is in `workspace.json`, which the run's detail shows.
 */
export async function commentWorkspace(ports: Ports, run: WorkflowRun, workspace: WorkspaceRecord): Promise<void> {
  if (!workspace.note) return;
  const text =
    workspace.mode === 'worktree'
      ? `Works in a git worktree on branch ${workspace.branch}, from ${workspace.baseRef ?? 'commit'} ${workspace.base.slice(0, 12)}: ${workspace.note}`
      : `Works in place: ${workspace.note}`;
  await systemComment(ports, run, 'workspace', text);
}

/** A worktree run's worktree, found or recreated from its branch (which a comment then says). */
export async function openWorkspace(
  ports: Ports,
  run: WorkflowRun,
  files: ExecutionFiles | undefined,
): Promise<RunWorkspace | undefined> {
  const record = files ? await files.readWorkspace() : undefined;
  if (record?.mode !== 'worktree') return undefined;
  const { workspace, found } = await RunWorkspace.open(record, run.id);
  if (found === 'recreated') {
    const text = `The run's worktree was missing; it was recreated from branch ${record.branch}`;
    // One per execution (epoch) that had to: a worktree deleted again is said again.
    await systemComment(ports, run, `workspace:recreated:${run.epoch}`, text);
  }
  return workspace;
}

async function systemComment(ports: Ports, run: WorkflowRun, key: string, text: string): Promise<void> {
  const { comment, created } = await ports.store.addComment({ runId: run.id, stepId: null, key, text, type: 'system' });
  if (created) {
    ports.events.emit({ type: 'workflow.comment.created', data: { execution_id: run.id, step_id: null, comment } });
  }
}
