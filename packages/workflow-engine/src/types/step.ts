import type { AgentName, AgentResult } from '@switchyard/agent-cli-sdk';
import type { ZodType } from 'zod';
import type { StepEnv } from '../execution/secrets.ts';
import type { StepStatus, StepType } from './status.ts';

export type { AgentName };

/** Options every step kind shares. */
export interface StepCommon {
  phase: string;
  name?: string;
  /** Extra attempts after the first failure, with exponential backoff. */
  retries?: number;
  timeoutMs?: number;
  /** A failed step returns its failed result instead of failing the run. */
  continueOnError?: boolean;
  /**
   * Files the step leaves behind that become its artifacts once it finishes: globs relative to its `cwd`
   * (`coverage/**\/*.html`), collected before its commit into the run's `artifacts/{stepId}/`.
   */
  artifacts?: string[];
}

export interface AgentStepSpec extends StepCommon {
  type: 'agent';
  agent: AgentName;
  prompt: string;
  model?: string;
  allowedTools?: string[];
  permissionMode?: string;
  cwd?: string;
  /** Variables for the CLI besides the allowlist; every value is a secret, redacted as `***` (see secrets.ts). */
  env?: StepEnv;
  /** Per-step budget; exceeding it pauses the run. */
  budget?: { maxCostUsd?: number; maxTurns?: number };
  /** No output for this long means the agent stalled. */
  idleTimeoutMs?: number;
  /**
   * The answer's shape. The agent is asked to end with JSON matching it; the JSON is extracted (a fenced block or
   * bare), validated, and returned as `data.json`; an invalid answer gets one more turn with the validation error
   * (in the same session) before the step fails with `output_invalid`. YAML: `output_schema:`.
   */
  output?: ZodType;
}

/** What an agent step with `output` returns as its data: the agent's result and its validated JSON. */
export type AgentStepOutput<T> = AgentResult & { json: T };

export interface ScriptStepSpec extends StepCommon {
  type: 'script';
  /** A string runs through `/bin/sh -c`; an array runs the program directly, without a shell. */
  command: string | string[];
  cwd?: string;
  /**
   * The step's variables besides the allowlist (PATH, HOME, the locale…): strings or `secret('NAME')`. Every value
   * is a secret, redacted as `***` from the step's logs, events, journal record and checkpoints.
   */
  env?: StepEnv;
}

export interface FunctionStepSpec<T = unknown> extends StepCommon {
  type: 'function';
  run: (step: StepRunContext) => T | Promise<T>;
}

export type StepSpec = AgentStepSpec | ScriptStepSpec | FunctionStepSpec;
export type { StepType };

/** The seed's short forms: `{ phase, agent, prompt }`, `{ phase, command }`, `{ phase, run }`. */
export type ShortStepSpec =
  | (Omit<AgentStepSpec, 'type'> & { type?: 'agent' })
  | (Omit<ScriptStepSpec, 'type'> & { type?: 'script' })
  | (Omit<FunctionStepSpec, 'type'> & { type?: 'function' });

export type StepInput = StepSpec | ShortStepSpec;

/** What a function step's `run` receives. */
export interface StepRunContext {
  runId: string;
  stepId: string;
  attempt: number;
  /**
   * The directory the run's steps work in — its git worktree (under `.agent/worktrees/`) in a worktree run, else
   * the project directory — which is not this process's `process.cwd()`: read and write the project's files
   * relative to it, as script and agent steps do by default.
   */
  cwd: string;
  /** Aborted on cancel, pause-now and timeout: long work should stop when it fires. */
  signal: AbortSignal;
  log(message: string): void;
}

export interface StepError {
  message: string;
  code?: string;
}

export interface StepResult<T = unknown> {
  status: StepStatus;
  data: T;
  error?: StepError;
  attempts: number;
  startedAt: string;
  finishedAt: string;
  /** The files the step published (its `artifacts` globs, `switchyard artifact add`), journaled with its result. */
  artifacts?: StepArtifact[];
  /**
   * In a worktree run, the commit of the files the step changed, on the run's branch: journaled with the result,
   * so a step whose result is in the journal has its commit. Absent when it changed nothing, or runs in place.
   */
  commit?: string;
  /** What that commit changed: files, and lines added and deleted. */
  changes?: { files: number; additions: number; deletions: number };
}

/**
 * A file a step published: copied into the run's `artifacts/{stepId}/` under a name the engine chose, and recorded
 * by the {@link ArtifactStore} where there is one.
 */
export interface StepArtifact {
  /** The store's id of the artifact (a database row), or the engine's own where no store keeps artifacts. */
  id: string;
  stepId: string;
  /** Unique within the step: the same key published again (a step that re-ran) is stored once. */
  key: string;
  /** For display; never part of a path. */
  name: string;
  /** Relative to the run's execution directory: `artifacts/<step id>/<uuid><ext>`. */
  filePath: string;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  description: string | null;
}

/** What `ctx.artifact` publishes: a file (relative to the project directory, or absolute) or content given inline. */
export type ArtifactInput = {
  name: string;
  /** The file to publish; exactly one of `path` and `content`. */
  path?: string;
  content?: string | Uint8Array;
  /** The MIME type, where the file name does not tell it. */
  type?: string;
  description?: string;
  /** The phase the artifact step belongs to; default the current one. */
  phase?: string;
};

/** What `ctx.waitForInput` asks a person. */
export interface InputOptions {
  /** The question, shown above the form (Markdown). */
  prompt: string;
  /**
   * The answer's fields: a zod object (`z.object({ approve: z.boolean(), note: z.string().optional() })`) or its
   * JSON schema. The board's form, the API's validation and `switchyard answer --arg` all read its JSON schema.
   */
  schema: { safeParse(value: unknown): unknown } | Record<string, unknown>;
  /** No answer in this long (`'2h'`, or milliseconds) answers `default`, or fails the step without one. */
  timeout?: number | string;
  default?: Record<string, unknown>;
  /** The phase of the input step; the current phase when not given. */
  phase?: string;
  name?: string;
}

/** An event sent to a run, or to its project, from outside (a webhook): what `ctx.waitForEvent` returns. */
export interface ReceivedEvent {
  id: string;
  name: string;
  data: Record<string, unknown>;
  receivedAt: string;
}

/** What `ctx.waitForEvent` waits for. */
export interface EventOptions {
  /** The event's name, as sent: `POST /api/events { "name": "deploy.finished", "data": { … } }`. */
  event: string;
  /** Fields the event's data must have, with these values: `{ run: 'abc' }`. */
  match?: Record<string, unknown>;
  /** No event in this long (`'2h'`, or milliseconds) answers `default`, or fails the step without one. */
  timeout?: number | string;
  default?: Record<string, unknown>;
  phase?: string;
  name?: string;
}

/** What a script step's result data holds. */
export interface ScriptOutput {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is one JSON object or array: `steps.build.output.json.version`. */
  json?: unknown;
}
