/**
 * The git side of a step's lifecycle in a worktree run: the worktree brought to the journal's commit before the
 * first step that really runs, and the step's changes committed before its result is — so the sha is part of the
 * step's durability point. A run in place has no workspace and none of this happens.
 */
import type { JournalRecord } from '../ports.ts';
import type { StepResult, StepSpec } from '../types/step.ts';
import type { RunScope } from './runScope.ts';

/**
 * Before a step runs. An agent step continuing its journaled session keeps the files it left (the agent is told
 * to continue from them); any other step starts from the journal's commit. What the journal does not hold is kept
 * on a side ref, and a run comment says where.
 */
export async function beforeWorkspaceStep(
  scope: RunScope,
  id: string,
  spec: StepSpec,
  recorded: JournalRecord | undefined,
): Promise<void> {
  const workspace = scope.deps.workspace;
  if (!workspace) return;
  const keepFiles = spec.type === 'agent' && recorded?.agentSessionId != null;
  const outcome = await workspace.beforeStep({ keepFiles });
  if (!outcome || outcome.saved.length === 0) return;
  const text =
    `Before step "${id}": changes the journal does not hold were kept on ${outcome.saved.join(' and ')}` +
    (outcome.reset ? `; the worktree was reset to the journal's last commit` : '');
  const { comment, created } = await scope.deps.store.addComment({
    runId: scope.run.id,
    stepId: null,
    // One per execution (epoch) that restored: a later crash at the same step comments again.
    key: `workspace:restored:${scope.run.epoch}`,
    text,
    type: 'system',
  });
  if (created) {
    scope.emit({ type: 'workflow.comment.created', data: { execution_id: scope.run.id, step_id: null, comment } });
  }
}

/**
 * Before a retry of a step whose attempt failed: the worktree back at the step's base commit, what the failed
 * attempt left kept on a side ref that a run comment names.
 */
export async function resetWorkspaceForRetry(scope: RunScope, id: string, attempt: number): Promise<void> {
  const outcome = await scope.deps.workspace?.beforeRetry({ stepId: id, attempt: attempt - 1 });
  if (!outcome || outcome.saved.length === 0) return;
  const text =
    `Attempt ${attempt - 1} of step "${id}" failed; what it changed was kept on ${outcome.saved.join(' and ')}, ` +
    `and attempt ${attempt} starts from the step's base commit`;
  const { comment, created } = await scope.deps.store.addComment({
    runId: scope.run.id,
    stepId: null,
    key: `workspace:retried:${id}:${attempt}:${scope.run.epoch}`,
    text,
    type: 'system',
  });
  if (created) {
    scope.emit({ type: 'workflow.comment.created', data: { execution_id: scope.run.id, step_id: null, comment } });
  }
}

/**
 * After a step finished: its changes as a commit on the run branch, its sha and counts set on the result that is
 * about to be journaled. Nothing is set for a step that changed nothing, or in place.
 */
export async function commitWorkspaceStep(
  scope: RunScope,
  id: string,
  spec: StepSpec,
  result: StepResult,
): Promise<void> {
  const commit = await scope.deps.workspace?.afterStep({ stepId: id, name: spec.name ?? id });
  if (!commit) return;
  result.commit = commit.sha;
  result.changes = commit.changes;
}
