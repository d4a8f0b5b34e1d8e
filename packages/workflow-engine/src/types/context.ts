import type { output as ZodOutput, ZodType } from 'zod';
import type {
  AgentStepOutput,
  AgentStepSpec,
  ArtifactInput,
  EventOptions,
  InputOptions,
  ReceivedEvent,
  StepArtifact,
  StepInput,
  StepResult,
  StepType,
} from './step.ts';

/** An agent step, explicit or short, that declares its answer's schema. */
export type StructuredAgentStepInput<S extends ZodType> = (
  AgentStepSpec | (Omit<AgentStepSpec, 'type'> & { type?: 'agent' })
) & { output: S };

/** Where a run's steps work, as `ctx.workspace` tells a template. */
export interface WorkspaceInfo {
  /** `worktree`: a git worktree and branch of the run's own; `in-place`: the project directory itself. */
  mode: 'worktree' | 'in-place';
  /**
   * The directory steps work in: the project's directory inside the worktree, or the project directory. Script and
   * agent steps default their `cwd` to it, and a function step gets it as `step.cwd`.
   */
  dir: string;
  /** The run's branch (`switchyard/<short id>-<template>`); null in place. */
  branch: string | null;
}

/** What `execute(ctx, args)` receives. Everything that is not deterministic belongs inside a step. */
export interface WorkflowContext<Args = unknown> {
  readonly runId: string;
  readonly args: Args;
  /** The phase of the step most recently started or replayed. */
  readonly phase: string | null;
  /** True while `execute` is re-walking steps that the journal already holds. */
  readonly isReplaying: boolean;
  /** Where the run's steps work: its worktree or the project directory (see {@link WorkspaceInfo}). */
  readonly workspace: WorkspaceInfo;

  /**
   * Runs a step durably: a completed step returns its journaled result without running again. An agent step with
   * `output` resolves with its validated answer typed as `data.json`.
   */
  step<S extends ZodType>(
    id: string,
    spec: StructuredAgentStepInput<S>,
  ): Promise<StepResult<AgentStepOutput<ZodOutput<S>>>>;
  step<T = unknown>(id: string, spec: StepInput): Promise<StepResult<T>>;
  /** Journals a step as skipped (a condition was false), so the board shows it. */
  skip(id: string, spec: { phase: string; name?: string; reason?: string; type?: StepType }): Promise<StepResult<null>>;
  /** A script step in the current phase: `ctx.exec('lint', ['npm', 'run', 'lint'])`. */
  exec(
    id: string,
    command: string | string[],
    options?: { cwd?: string; env?: Record<string, string> },
  ): Promise<StepResult>;
  /**
   * Publishes a file (`path`, relative to the step's working directory) or inline `content` as an artifact: a step
   * of its own, journaled, so a replay returns the artifact without copying or recording it again.
   */
  artifact(id: string, artifact: ArtifactInput): Promise<StepResult<StepArtifact>>;
  /**
   * A durable timer: `ctx.sleep('cool-down', 60_000)` or `ctx.sleep('cool-down', '10m')`. The run waits (status
   * `waiting`) holding no process, worker slot or memory, survives restarts, and a worker takes it up again at its
   * wake time; a replay returns at once.
   */
  sleep(
    id: string,
    duration: number | string,
    options?: { phase?: string; name?: string },
  ): Promise<StepResult<{ wakeAt: string }>>;
  /**
   * Waits for a person: the board shows a form built from `schema` (the Waiting-on-you lane and the run detail), and
   * the answer — from the board, `POST /api/workflow-executions/:id/input` or `switchyard answer` — is validated,
   * journaled as this step's result, and returned. The run holds nothing while it waits.
   */
  waitForInput<T = Record<string, unknown>>(id: string, options: InputOptions): Promise<StepResult<T>>;
  /**
   * Waits for an event sent from outside — `POST /api/workflow-executions/:id/events` to this run, or `POST
   * /api/events` to its project, matched by name and `match` fields. An event sent before the run gets here is kept and
   * taken at once. The result's `data` is the event `{ id, name, data, receivedAt }`.
   */
  waitForEvent(id: string, options: EventOptions): Promise<StepResult<ReceivedEvent>>;
  /** A pause point between steps: honours a pending pause or cancel request and writes a checkpoint. */
  checkpoint(): Promise<void>;
  /** Adds a comment to the run (or to a step); written once even when `execute` is replayed. */
  comment(text: string, options?: { stepId?: string }): Promise<void>;
  /** The journaled result of an earlier step of this run. */
  getStepResult<T = unknown>(id: string): StepResult<T> | undefined;
  /** A run log line; silent while replaying so a resumed run does not repeat itself. */
  log(message: string): void;
}
