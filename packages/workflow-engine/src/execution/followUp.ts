/**
 * Follow-ups: a person's message to an agent step. The step's CLI session is continued (`--resume <session>` /
 * `resume <thread>`) in the step's working directory, so the agent answers with the whole conversation before it; its
 * events are appended to the step's own `events.jsonl` and sent as the step's progress; and the exchange is journaled
 * as two step comments (followUpComments.ts), so a replayed run shows it and never sends it again. The step's
 * journaled result (what `ctx.step` returned to the template) does not change.
 *
 * A step whose turn has ended — finished, or stopped by a pause — is answered at once. One whose turn is still
 * running gets the message queued (the {@link FollowUpQueue}): the step delivers it in its own session when the turn
 * ends, before its result is journaled (queuedFollowUps.ts).
 */
import { resolve } from 'node:path';
import { FollowUpRefusedError, RunNotFoundError } from '../errors.ts';
import type {
  AgentResult,
  AgentRunner,
  EventSink,
  FollowUpQueue,
  JournalRecord,
  QueuedFollowUp,
  RunComment,
  RunStore,
} from '../ports.ts';
import type { ExecutionFiles } from '../storage/FileSystemStorage.ts';
import type { AgentName } from '../types/step.ts';
import type { WorkflowRun } from '../types/workflow.ts';
import { worktreeDir } from '../workspace/worktree.ts';
import { addFollowUpComment, followUpOrdinal, nextFollowUpKey, replyText } from './followUpComments.ts';

export interface FollowUpDeps {
  store: RunStore;
  events: EventSink;
  agents: AgentRunner | undefined;
  files: ExecutionFiles | undefined;
  /** The project directory: where an in-place run's steps run. */
  workingDir: string;
  /** Where follow-ups to a running turn wait; without one they are refused. */
  queue: FollowUpQueue | undefined;
}

export type FollowUpOutcome =
  | { state: 'answered'; message: RunComment; reply: RunComment; result: AgentResult }
  | { state: 'queued'; followUp: QueuedFollowUp };

/** What of the step's journaled input the continued session needs (the env values were never journaled). */
interface AgentInput {
  agent: AgentName;
  model?: string;
  allowedTools?: string[];
  permissionMode?: string;
  cwd?: string;
}

// A step stopped by a pause (pending, its run paused) has ended its turn: its session takes the message now, and
// continues from there when the run resumes. A pending step of a run that is not paused is about to run again.
const turnRunning = (run: WorkflowRun, record: JournalRecord) =>
  record.status === 'running' || (record.status === 'pending' && run.status !== 'paused');

async function agentStep(deps: FollowUpDeps, runId: string, stepId: string) {
  const run = await deps.store.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  const record = (await deps.store.getJournal(runId)).find((entry) => entry.stepId === stepId);
  const refuse = (reason: string) => new FollowUpRefusedError(runId, stepId, reason);
  if (!record) throw refuse('the run has no such step');
  if (record.type !== 'agent') throw refuse(`it is a ${record.type} step, not an agent step`);
  return { run, record, refuse };
}

export async function followUpAgentStep(
  deps: FollowUpDeps,
  runId: string,
  stepId: string,
  message: string,
): Promise<FollowUpOutcome> {
  const { run, record, refuse } = await agentStep(deps, runId, stepId);
  if (message.trim() === '') throw refuse('the message is empty');
  if (turnRunning(run, record)) {
    if (!deps.queue) throw refuse('its turn is still running, and no follow-up queue is configured here');
    const followUp = await deps.queue.enqueue({ runId, stepId, kind: 'message', message });
    // The turn may have ended between the look at the journal and the enqueue — after the step looked at its queue
    // for the last time. Then the queue is answered here, in order, as an ended turn's follow-ups are.
    const now = await agentStep(deps, runId, stepId);
    if (turnRunning(now.run, now.record)) return { state: 'queued', followUp };
    const answered = await answerQueuedFollowUps(deps, runId, stepId);
    return answered.find((entry) => entry.id === followUp.id)?.outcome ?? { state: 'queued', followUp };
  }
  if (!record.agentSessionId) throw refuse('its agent never reported a session to continue');
  if (!deps.agents) throw refuse('no agent runner is configured here');
  return continueSession(deps, run, record, await nextFollowUpKey(deps, runId, stepId), message);
}

/**
 * Answers the follow-ups still queued for a step whose turn has ended, oldest first — those that came after the
 * step's last look at its queue. Each is taken before it is sent, so whoever takes it first sends it, once.
 */
export async function answerQueuedFollowUps(
  deps: FollowUpDeps,
  runId: string,
  stepId: string,
): Promise<{ id: string; outcome: FollowUpOutcome }[]> {
  const answered: { id: string; outcome: FollowUpOutcome }[] = [];
  if (!deps.queue || !deps.agents) return answered;
  for (const queued of await deps.queue.pending(runId, stepId, 'message')) {
    const { run, record } = await agentStep(deps, runId, stepId);
    if (turnRunning(run, record) || !record.agentSessionId) break;
    const taken = await deps.queue.take(queued.id, queued.key ?? (await nextFollowUpKey(deps, runId, stepId)));
    if (!taken?.key) continue;
    const outcome = await continueSession(deps, run, record, taken.key, taken.message);
    await deps.queue.delivered(taken.id);
    answered.push({ id: taken.id, outcome });
  }
  return answered;
}

async function continueSession(
  deps: FollowUpDeps,
  run: WorkflowRun,
  record: JournalRecord,
  key: string,
  message: string,
): Promise<FollowUpOutcome> {
  const { id: runId } = run;
  const { stepId } = record;
  const input = record.input as AgentInput;
  const said = await addFollowUpComment(deps, { runId, stepId, key, text: message, type: 'user' });

  const workspace = deps.files ? await deps.files.readWorkspace() : undefined;
  const base = workspace?.mode === 'worktree' ? worktreeDir(workspace) : deps.workingDir;
  const cwd = input.cwd ? resolve(base, input.cwd) : base;
  const log = deps.files?.stepLog(stepId);
  const progress = (event: Record<string, unknown>, kind: 'log' | 'agent') => {
    log?.appendEvent(event);
    deps.events.emit({
      type: 'workflow.step.progress',
      data: {
        execution_id: runId,
        step_id: stepId,
        phase: record.phase,
        progress: kind === 'log' ? { kind, message: String(event.message) } : { kind, event: event.event },
      },
    });
  };
  const n = followUpOrdinal(key);
  progress({ type: 'log', message: `follow-up ${n}: ${message}` }, 'log');
  let result: AgentResult;
  try {
    result = await deps.agents!.run(
      {
        agent: input.agent,
        prompt: message,
        cwd,
        model: input.model,
        allowedTools: input.allowedTools,
        permissionMode: input.permissionMode,
        env: { SWITCHYARD_RUN_ID: runId, SWITCHYARD_STEP_ID: stepId },
        resumeSessionId: record.agentSessionId!,
        origin: { template: run.definitionId, step: `${stepId}.follow-up-${n}` },
      },
      {
        signal: new AbortController().signal,
        onEvent: (event) => progress({ type: 'agent', event }, 'agent'),
        onSessionStarted: () => undefined,
      },
    );
  } finally {
    await log?.close();
  }
  const text = replyText(result, null);
  const reply = await addFollowUpComment(deps, { runId, stepId, key: `${key}:reply`, text, type: 'agent' });
  return { state: 'answered', message: said, reply, result };
}
