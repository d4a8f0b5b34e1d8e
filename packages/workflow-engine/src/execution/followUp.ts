/**
 * Follow-ups: a person's message to an agent step that has ended its turn — finished, or stopped by a pause. The step's CLI session is continued
 * (`--resume <session>` / `resume <thread>`) in the step's working directory, so the agent answers with the whole
 * conversation before it; its events are appended to the step's own `events.jsonl` and sent as the step's progress;
 * and the exchange is journaled as two step comments — the message (`user`) and the answer (`agent`) — under keys
 * `follow-up:<step>:<n>` and `follow-up:<step>:<n>:reply`, written once each, so a replayed run shows it and never
 * sends it again. The step's journaled result (what `ctx.step` returned to the template) does not change.
 *
 * Not here: a message to a step whose turn is still running is refused (`follow_up_refused`), not queued.
 */
import { resolve } from 'node:path';
import { FollowUpRefusedError, RunNotFoundError } from '../errors.ts';
import type { AgentResult, AgentRunner, EventSink, RunComment, RunStore } from '../ports.ts';
import type { ExecutionFiles } from '../storage/FileSystemStorage.ts';
import type { AgentName } from '../types/step.ts';
import { worktreeDir } from '../workspace/worktree.ts';

export interface FollowUpDeps {
  store: RunStore;
  events: EventSink;
  agents: AgentRunner | undefined;
  files: ExecutionFiles | undefined;
  /** The project directory: where an in-place run's steps run. */
  workingDir: string;
}

export interface FollowUpOutcome {
  message: RunComment;
  reply: RunComment;
  result: AgentResult;
}

/** What of the step's journaled input the continued session needs (the env values were never journaled). */
interface AgentInput {
  agent: AgentName;
  model?: string;
  allowedTools?: string[];
  permissionMode?: string;
  cwd?: string;
}

const KEY = /^follow-up:(.+):(\d+)$/;

export async function followUpAgentStep(
  deps: FollowUpDeps,
  runId: string,
  stepId: string,
  message: string,
): Promise<FollowUpOutcome> {
  const run = await deps.store.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  const record = (await deps.store.getJournal(runId)).find((entry) => entry.stepId === stepId);
  const refuse = (reason: string) => new FollowUpRefusedError(runId, stepId, reason);
  if (!record) throw refuse('the run has no such step');
  if (record.type !== 'agent') throw refuse(`it is a ${record.type} step, not an agent step`);
  // A step stopped by a pause (pending, its run paused) has ended its turn too: its session takes the message now,
  // and continues from there when the run resumes.
  if (record.status === 'running' || (record.status === 'pending' && run.status !== 'paused')) {
    throw refuse('its turn is still running; send the follow-up once it has ended');
  }
  if (!record.agentSessionId) throw refuse('its agent never reported a session to continue');
  if (message.trim() === '') throw refuse('the message is empty');
  if (!deps.agents) throw refuse('no agent runner is configured here');

  const input = record.input as AgentInput;
  const comments = await deps.store.listComments(runId);
  const n =
    1 +
    comments.filter((comment) => {
      const match = comment.key ? KEY.exec(comment.key) : null;
      return match?.[1] === stepId;
    }).length;
  const key = `follow-up:${stepId}:${n}`;
  const said = await comment(deps, { runId, stepId, key, text: message, type: 'user' });

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
  progress({ type: 'log', message: `follow-up ${n}: ${message}` }, 'log');
  let result: AgentResult;
  try {
    result = await deps.agents.run(
      {
        agent: input.agent,
        prompt: message,
        cwd,
        model: input.model,
        allowedTools: input.allowedTools,
        permissionMode: input.permissionMode,
        env: { SWITCHYARD_RUN_ID: runId, SWITCHYARD_STEP_ID: stepId },
        resumeSessionId: record.agentSessionId,
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
  const text = result.isError ? `The agent failed: ${result.errorMessage ?? result.text}` : result.text;
  const reply = await comment(deps, { runId, stepId, key: `${key}:reply`, text, type: 'agent' });
  return { message: said, reply, result };
}

async function comment(
  deps: FollowUpDeps,
  comment: { runId: string; stepId: string; key: string; text: string; type: 'user' | 'agent' },
): Promise<RunComment> {
  const { comment: written, created } = await deps.store.addComment(comment);
  if (created) {
    deps.events.emit({
      type: 'workflow.comment.created',
      data: { execution_id: comment.runId, step_id: comment.stepId, comment: written },
    });
  }
  return written;
}
