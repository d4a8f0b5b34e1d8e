/**
 * The commands' port onto a project's runs, whichever way they are reached: the database opened here
 * (`databaseRuns.ts`) or the HTTP API of the process holding it (`serverRuns.ts`). `openProjectRuns.ts` picks one.
 */
import type { RunStatus, WorkflowDefinition, WorkspaceMode } from '@switchyard/workflow-engine';
import type { FollowUpResponse } from '../protocol/followUps.ts';
import type { MergeAnswer } from '../protocol/runs.ts';
import type { OutputOptions } from './io.ts';
import type { RunSummary, RunView } from './runView.ts';

/**
 * The commands that execute (start, resume, advance, rerun) return the exit code for the status the run stopped
 * at, having reported it.
 */
export interface ProjectRuns {
  start(
    definition: WorkflowDefinition,
    args: Record<string, unknown>,
    options: { name?: string | undefined; workspace?: WorkspaceMode | undefined; base?: string | undefined },
    output: OutputOptions,
  ): Promise<number>;
  resume(runId: string, output: OutputOptions): Promise<number>;
  advance(runId: string, output: OutputOptions): Promise<number>;
  rerun(runId: string, phase: string, output: OutputOptions): Promise<number>;
  /** Forks the run at a step (its id in the template, or its record's id) and executes the new run. */
  fork(runId: string, step: string, output: OutputOptions): Promise<number>;
  /**
   * Sends a person's message to an agent step (its id in the template, or its record's id); resolves once the agent,
   * continuing the step's session, has answered — or, while the step's turn runs, once the message is queued.
   */
  followUp(runId: string, step: string, message: string): Promise<FollowUpResponse>;
  /**
   * Requests changes at the gate the run waits at: the phase before it re-runs, its agent steps continuing their
   * sessions with `comment`; then executes (or follows) the run until it stops — at the gate again, normally.
   */
  requestChanges(runId: string, comment: string, output: OutputOptions): Promise<number>;
  /**
   * Answers the input step the run waits at (`step`: its id, when it matters) with `--arg key=value` pairs, converted
   * by the step's fields, and executes the run on from there.
   */
  answer(runId: string, pairs: string[], step: string | undefined, output: OutputOptions): Promise<number>;
  /** Fast-forwards the finished run's base branch to its branch; a refusal is a `MergeRefusedError` with the reason. */
  merge(runId: string): Promise<Omit<MergeAnswer, 'run'>>;
  /** Asks for a pause; answers the run's status afterwards (`paused` only if it took effect at once). */
  pause(runId: string, now: boolean): Promise<RunStatus>;
  cancel(runId: string): Promise<RunStatus>;
  view(runId: string): Promise<RunView>;
  /** Newest first. */
  list(status: RunStatus | undefined): Promise<RunSummary[]>;
  /** Ctrl-C: pauses the run this command executes or follows, if any; false when there is none. */
  interrupt(): boolean;
  close(): Promise<void>;
}
