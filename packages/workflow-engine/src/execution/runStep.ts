/**
 * Runs one step to an outcome: its attempts with exponential backoff, its timeout, and its logs. Knows nothing
 * of replay or the journal's rules; the context calls it for steps that must really run.
 */
import { isAbsolute, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE_ENVIRONMENT, passedThrough, pickEnvironment } from '@switchyard/agent-cli-sdk';
import type { AgentResult, AgentRunner, StepProgress } from '../ports.ts';
import type { StepLog } from '../storage/FileSystemStorage.ts';
import type { AgentStepSpec, StepError, StepRunContext, StepSpec } from '../types/step.ts';
import type { Suspension } from './RunSuspended.ts';
import { changesPrompt } from './queuedFollowUps.ts';
import type { StepFollowUps } from './queuedFollowUps.ts';
import { runScript } from './runScript.ts';
import { checkOutput, promptForOutput, retryPromptForOutput } from './structuredOutput.ts';
import type { OutputSchema } from './structuredOutput.ts';
import { Redactor, resolveStepEnv } from './secrets.ts';
import { newStepTag, signalStepProcesses, STEP_TAG_VARIABLE } from './stepProcesses.ts';

export interface StepEnvironment {
  runId: string;
  stepId: string;
  /** The run's template id: with the step id, what a recorded agent's cassette is keyed by. */
  templateId: string;
  spec: StepSpec;
  /** The attempt number of the first attempt made now (later than 1 when an interrupted step resumes). */
  firstAttempt: number;
  workingDir: string;
  /** Fires on cancel, pause-now and lost lease; its reason is a {@link Suspension}. */
  control: AbortSignal;
  retryBaseDelayMs: number;
  log: Pick<StepLog, 'appendEvent'> | undefined;
  agents: AgentRunner | undefined;
  /** The agent session to continue, when an interrupted agent step resumes. */
  resumeSessionId: string | null;
  /** The step's follow-up queue (queuedFollowUps.ts), where one is configured. */
  followUps?: StepFollowUps | undefined;
  /** Where `switchyard artifact add` leaves files from inside the step (see artifacts.ts), when the run has files. */
  artifactInbox?: string | undefined;
  progress(progress: StepProgress): void;
  onAttempt(attempt: number): Promise<void>;
  onAgentSession(sessionId: string): Promise<void>;
}

export type StepOutcome =
  | { kind: 'finished'; ok: boolean; data: unknown; error: StepError | null; attempts: number }
  | { kind: 'interrupted'; suspension: Suspension; attempts: number };

interface AttemptResult {
  ok: boolean;
  data: unknown;
  error: StepError | null;
  /** An agent stopped for its budget: not a failure, the run pauses. */
  budgetStop?: string;
}

const MAX_BACKOFF_MS = 60_000;
/** Output, agent events and log lines one step may leave in its log and send as progress (all attempts together). */
export const DEFAULT_STEP_LOG_MAX_BYTES = 16 * 1024 * 1024;

type Report = (event: Record<string, unknown>, progress: StepProgress, bytes: number) => void;
type ReportingStep = StepEnvironment & { report: Report };

/** A log line of the step, as its events file and its progress have it. */
const logLine = (env: ReportingStep) => (message: string) =>
  env.report({ type: 'log', message }, { kind: 'log', message }, message.length);

/**
 * Where a step's output goes as it comes: its events file and its progress events. Past the step's share —
 * `SWITCHYARD_STEP_LOG_MAX_BYTES`, else {@link DEFAULT_STEP_LOG_MAX_BYTES} — one marker says so and the rest is
 * dropped: a step that prints gigabytes fills neither the disk nor the board's sockets (its result still keeps
 * the last 64 KiB of its stdout and stderr).
 */
function outputReporter(env: StepEnvironment): Report {
  const limit = Number(process.env.SWITCHYARD_STEP_LOG_MAX_BYTES) || DEFAULT_STEP_LOG_MAX_BYTES;
  let used = 0;
  return (event, progress, bytes) => {
    if (used > limit) return;
    used += bytes;
    if (used <= limit) {
      env.log?.appendEvent(event);
      env.progress(progress);
      return;
    }
    const message = `log truncated: the step's output passed ${limit} bytes, and what follows is not kept`;
    env.log?.appendEvent({ type: 'truncated', message });
    env.progress({ kind: 'log', message });
  };
}

export async function runStep(step: StepEnvironment): Promise<StepOutcome> {
  const env = { ...step, report: outputReporter(step) };
  const retries = env.spec.retries ?? 0;
  for (let attempt = env.firstAttempt; ; attempt++) {
    if (attempt > env.firstAttempt) await env.onAttempt(attempt);
    const attemptSignal = withTimeout(env.control, env.spec.timeoutMs);
    const result = await runAttempt(env, attempt, attemptSignal.signal).finally(attemptSignal.dispose);
    const attempts = attempt;
    if (env.control.aborted) return { kind: 'interrupted', suspension: env.control.reason as Suspension, attempts };
    if (result.budgetStop) {
      return { kind: 'interrupted', suspension: { status: 'paused', reason: result.budgetStop }, attempts };
    }
    if (result.ok || attempt - env.firstAttempt >= retries) {
      return { kind: 'finished', ok: result.ok, data: result.data, error: result.error, attempts };
    }
    const delay = Math.min(env.retryBaseDelayMs * 2 ** (attempt - env.firstAttempt), MAX_BACKOFF_MS);
    env.progress({
      kind: 'log',
      message: `attempt ${attempt} failed (${result.error?.message}); retrying in ${delay} ms`,
    });
    await sleep(delay, undefined, { signal: env.control }).catch(() => undefined);
    if (env.control.aborted) return { kind: 'interrupted', suspension: env.control.reason as Suspension, attempts };
  }
}

/** A signal that fires with the control signal, or when the step's time is up. */
function withTimeout(control: AbortSignal, timeoutMs: number | undefined) {
  const controller = new AbortController();
  const onControl = () => controller.abort(control.reason);
  control.addEventListener('abort', onControl, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(`timed out after ${timeoutMs} ms`), timeoutMs);
  return {
    signal: controller.signal,
    dispose: () => {
      control.removeEventListener('abort', onControl);
      if (timer) clearTimeout(timer);
    },
  };
}

function timeoutError(signal: AbortSignal): StepError | null {
  return signal.aborted && typeof signal.reason === 'string' ? { code: 'timeout', message: signal.reason } : null;
}

/**
 * One attempt, its secrets redacted from everything it reports: events and log lines as they come, and its result
 * and error before the journal, a checkpoint or an event can hold them (the template sees the redacted result too,
 * so that a replay returns what the live run returned).
 */
async function runAttempt(env: ReportingStep, attempt: number, signal: AbortSignal): Promise<AttemptResult> {
  const { spec } = env;
  if (spec.type === 'function') return runFunction(env, attempt, signal);
  const declared = resolveStepEnv(spec.env);
  if (declared.missing.length > 0) {
    const names = declared.missing.join(', ');
    const message = `secret ${names} is not set in the environment of the process running the step (${process.pid})`;
    return { ok: false, data: null, error: { code: 'secret_missing', message } };
  }
  const redactor = new Redactor(Object.values(declared.env));
  const cwd = spec.cwd ? resolveCwd(env.workingDir, spec.cwd) : env.workingDir;
  const tag = newStepTag(env.runId, env.stepId);
  const own = { ...declared.env, ...stepVariables(env), [STEP_TAG_VARIABLE]: tag };
  const result =
    spec.type === 'script'
      ? await runScriptAttempt(env, spec.command, cwd, stepProcessEnv(own), tag, redactor, signal)
      : await runAgent(env, spec, cwd, own, tag, redactor, signal);
  return { ...result, data: redactor.value(result.data), error: redactor.value(result.error) };
}

/**
 * What every script and agent step is told about itself: its run and step, and where `switchyard artifact add`
 * leaves files for the engine. No token and no server address: a step publishes through its own directory, which
 * works the same on every store and gives a step no credential to the API.
 */
function stepVariables(env: StepEnvironment): Record<string, string> {
  return {
    SWITCHYARD_RUN_ID: env.runId,
    SWITCHYARD_STEP_ID: env.stepId,
    ...(env.artifactInbox ? { SWITCHYARD_ARTIFACT_INBOX: env.artifactInbox } : {}),
  };
}

/**
 * A script step's whole environment: the allowlist every program needs (the agent SDK's base list, plus names in
 * SWITCHYARD_STEP_ENV), then its own variables (what it declares, what it is told about itself, its tag). Nothing
 * else of this process's environment — its token, its database URL, credentials it was started with — reaches it.
 */
function stepProcessEnv(own: Record<string, string>): Record<string, string> {
  const allowed = pickEnvironment(process.env, [...BASE_ENVIRONMENT, ...passedThrough(process.env)]);
  return { ...allowed, ...own };
}

async function runScriptAttempt(
  env: ReportingStep,
  command: string | string[],
  cwd: string,
  processEnv: Record<string, string>,
  tag: string,
  redactor: Redactor,
  signal: AbortSignal,
): Promise<AttemptResult> {
  const { output, failure } = await runScript({
    command,
    cwd,
    env: processEnv,
    tag,
    redactor,
    signal,
    onOutput: (stream, text) =>
      env.report({ type: 'output', stream, text }, { kind: 'output', stream, text }, text.length),
  });
  const error = failure ? (timeoutError(signal) ?? { code: 'script_failed', message: failure }) : null;
  return { ok: !failure, data: output, error };
}

function resolveCwd(workingDir: string, cwd: string): string {
  return isAbsolute(cwd) ? cwd : resolve(workingDir, cwd);
}

async function runFunction(env: ReportingStep, attempt: number, signal: AbortSignal): Promise<AttemptResult> {
  if (env.spec.type !== 'function') throw new Error('not a function step');
  const stepContext: StepRunContext = {
    runId: env.runId,
    stepId: env.stepId,
    attempt,
    cwd: env.workingDir,
    signal,
    log: logLine(env),
  };
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new Error(typeof signal.reason === 'string' ? signal.reason : 'step aborted'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const value = await Promise.race([
      Promise.resolve().then(() => env.spec.type === 'function' && env.spec.run(stepContext)),
      aborted,
    ]);
    return { ok: true, data: toJsonValue(value, env.stepId), error: null };
  } catch (error) {
    return { ok: false, data: null, error: timeoutError(signal) ?? errorOf(error) };
  }
}

async function runAgent(
  env: ReportingStep,
  spec: AgentStepSpec,
  cwd: string,
  agentEnv: Record<string, string>,
  tag: string,
  redactor: Redactor,
  signal: AbortSignal,
): Promise<AttemptResult> {
  if (!env.agents) {
    return {
      ok: false,
      data: null,
      error: {
        code: 'agent_unavailable',
        message: `no agent runner is configured, so the ${spec.agent} step cannot run`,
      },
    };
  }
  const invoke: Turn = (turn) => invokeAgent(env, spec, cwd, agentEnv, tag, redactor, signal, turn);
  // A phase sent back from a gate: the step continues its superseded session with the reviewer's comment.
  const change = await env.followUps?.takeChangeRequest();
  const task = change ? changesPrompt(change.message) : spec.prompt;
  const prompt = env.resumeSessionId ? continuationPrompt(task) : task;
  const first = await invoke({
    prompt: spec.output ? promptForOutput(prompt, spec.output) : prompt,
    resumeSessionId: env.resumeSessionId ?? change?.sessionId ?? null,
  });
  const answered = await answerTask(env, spec, prompt, first, invoke);
  if (signal.aborted || answered.budgetStop) return answered;
  if (change) await env.followUps!.changeRequestAnswered(change);
  // Messages a person queued while the turn ran are sent now, in its session, before the step's result is journaled:
  // the step ends once they are answered, and a replay of the step sends none of them again.
  const sessionId = (answered.data as AgentResult | null)?.sessionId ?? env.resumeSessionId;
  if (env.followUps && sessionId) {
    await env.followUps.deliverQueued(
      async (message) => {
        const turn = await invoke({ prompt: message, resumeSessionId: sessionId });
        return { result: turn.data as AgentResult | null, error: turn.error };
      },
      {
        signal,
        log: logLine(env),
      },
    );
  }
  return answered;
}

type Turn = (turn: { prompt: string; resumeSessionId: string | null }) => Promise<AttemptResult>;

/** The task's answer: the first turn's, or — for a structured step whose answer did not pass — the retry's. */
function answerTask(
  env: ReportingStep,
  spec: AgentStepSpec,
  prompt: string,
  first: AttemptResult,
  invoke: Turn,
): Promise<AttemptResult> | AttemptResult {
  if (!spec.output || !first.ok || first.budgetStop) return first;
  return withStructuredOutput(spec.output, first, (problem) => {
    // The same session sees its first answer; without a session the task is asked again, with the problem.
    const sessionId = (first.data as AgentResult).sessionId;
    env.report(
      { type: 'log', message: `output invalid, asking once more: ${problem}` },
      { kind: 'log', message: `output invalid, asking the agent once more: ${problem}` },
      problem.length,
    );
    return invoke({
      prompt: retryPromptForOutput(problem, spec.output!, sessionId ? null : { prompt }),
      resumeSessionId: sessionId,
    });
  });
}

/**
 * Validates the answer of a structured agent step: valid → `data.json`; invalid → one more turn (`retry`), whose
 * answer is validated in turn, and the step fails with `output_invalid` when that one does not pass either. The two
 * turns' usage and cost are added up, as both were spent on the step.
 */
async function withStructuredOutput(
  schema: OutputSchema,
  first: AttemptResult,
  retry: (problem: string) => Promise<AttemptResult>,
): Promise<AttemptResult> {
  const firstResult = first.data as AgentResult;
  const checked = checkOutput(firstResult.text, schema);
  if (checked.ok) return { ...first, data: { ...firstResult, json: checked.value } };
  const second = await retry(checked.problem);
  if (!second.data) return second;
  const data = sumAgentResults(firstResult, second.data as AgentResult);
  if (!second.ok || second.budgetStop) return { ...second, data };
  const again = checkOutput(data.text, schema);
  if (again.ok) return { ...second, data: { ...data, json: again.value } };
  return {
    ok: false,
    data,
    error: {
      code: 'output_invalid',
      message: `the agent's answer did not match the output schema twice: ${again.problem}`,
    },
  };
}

function sumAgentResults(first: AgentResult, second: AgentResult): AgentResult {
  const cost = first.costUsd === null && second.costUsd === null ? null : (first.costUsd ?? 0) + (second.costUsd ?? 0);
  return {
    ...second,
    usage: {
      input: first.usage.input + second.usage.input,
      output: first.usage.output + second.usage.output,
      cacheRead: first.usage.cacheRead + second.usage.cacheRead,
      cacheWrite: first.usage.cacheWrite + second.usage.cacheWrite,
    },
    costUsd: cost,
    numTurns:
      first.numTurns === null && second.numTurns === null ? null : (first.numTurns ?? 0) + (second.numTurns ?? 0),
    durationMs: first.durationMs + second.durationMs,
  };
}

/** One invocation of the agent CLI; its events go to the step's log as they come. */
async function invokeAgent(
  env: ReportingStep,
  spec: AgentStepSpec,
  cwd: string,
  agentEnv: Record<string, string>,
  tag: string,
  redactor: Redactor,
  signal: AbortSignal,
  turn: { prompt: string; resumeSessionId: string | null },
): Promise<AttemptResult> {
  // The runner kills the CLI's process group; what left it is found by the tag.
  const stopEscaped = () => void signalStepProcesses(tag, 'SIGKILL');
  signal.addEventListener('abort', stopEscaped, { once: true });
  try {
    const result: AgentResult = await env.agents!.run(
      {
        agent: spec.agent,
        prompt: turn.prompt,
        cwd,
        model: spec.model,
        allowedTools: spec.allowedTools,
        permissionMode: spec.permissionMode,
        env: agentEnv,
        resumeSessionId: turn.resumeSessionId ?? undefined,
        budget: spec.budget,
        idleTimeoutMs: spec.idleTimeoutMs,
        origin: { template: env.templateId, step: env.stepId },
      },
      {
        signal,
        onEvent: (raw) => {
          const event = redactor.value(raw);
          env.report({ type: 'agent', event }, { kind: 'agent', event }, JSON.stringify(event).length);
        },
        onSessionStarted: async (sessionId) => {
          env.resumeSessionId = sessionId;
          await env.onAgentSession(sessionId);
        },
      },
    );
    if (result.stopReason === 'budget') {
      return { ok: false, data: result, error: null, budgetStop: result.errorMessage ?? 'the agent hit its budget' };
    }
    const failed = result.isError || result.stopReason !== undefined;
    const error = failed
      ? (timeoutError(signal) ?? {
          code: result.stopReason === 'stalled' ? 'stalled' : 'agent_failed',
          message: result.errorMessage ?? (result.text || 'the agent reported an error'),
        })
      : null;
    return { ok: !failed, data: result, error };
  } catch (error) {
    return { ok: false, data: null, error: errorOf(error) };
  } finally {
    signal.removeEventListener('abort', stopEscaped);
  }
}

/** What a resumed agent session is told, instead of the original prompt a second time. */
export function continuationPrompt(prompt: string): string {
  return `Your previous work on this task was interrupted. Continue from where you left off and finish it. The task was:\n\n${prompt}`;
}

function errorOf(error: unknown): StepError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? { code, message: error.message } : { message: error.message };
  }
  return { message: String(error) };
}

/** Step data lives in journals, files and databases: it must survive JSON. */
export function toJsonValue(value: unknown, what: string): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch (error) {
    throw new Error(`${what} returned a value that cannot be stored as JSON: ${(error as Error).message}`);
  }
}
