import type { AgentName } from '@switchyard/agent-cli-sdk';
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
}

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
  /**
   * In a worktree run, the commit of the files the step changed, on the run's branch: journaled with the result,
   * so a step whose result is in the journal has its commit. Absent when it changed nothing, or runs in place.
   */
  commit?: string;
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
