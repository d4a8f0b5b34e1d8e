/**
 * Glossary — the nouns of Switchyard. Names in code, API and UI use exactly these words.
 *
 * - **template**: a workflow definition file (`*.ts` or `*.yaml`) that declares phases, args and steps.
 *   Parsed into a {@link WorkflowDefinition}.
 * - **run**: one execution of a template with arguments. Has a status and a current phase; it is a card on the board.
 * - **phase**: a named stage of a template ("research", "plan"…); the board's columns. Steps belong to a phase.
 * - **gate**: a phase marked `gate: manual`; a run waits before the phase's first step until someone advances it.
 * - **step**: one unit of durable work inside a run (`agent`, `script` or `function`), identified by a step id.
 * - **journal record**: what the run store holds for a step of a run: its status, attempts, result. The journal is
 *   the run's truth.
 * - **replay**: running `execute` again from the top; steps with a completed journal record return the recorded
 *   result instead of running.
 * - **checkpoint**: a JSON snapshot of the run's progress written to disk after each committed step.
 */
import type { WorkflowContext } from './context.ts';
import type { RunStatus } from './status.ts';

export interface PhaseDefinition {
  id: string;
  label: string;
  gate?: 'manual';
}

/** The minimal zod-like schema the engine needs; a template's `z.object(...)` satisfies it. */
export interface ArgsSchema {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: ArgsIssue[] } };
}
export interface ArgsIssue {
  path: PropertyKey[];
  message: string;
}

export type JsonSchema = Record<string, unknown>;

export interface TemplateSource {
  type: 'code' | 'yaml';
  path: string;
  contentHash: string;
}

/** What both parsers produce: one model, one execution path. */
export interface WorkflowDefinition {
  /** Slug of the file name: `fix-bug.yaml` → `fix-bug`. */
  id: string;
  name: string;
  description?: string;
  source: TemplateSource;
  phases: PhaseDefinition[];
  args: { schema: ArgsSchema; jsonSchema: JsonSchema };
  workspace?: 'worktree' | 'in-place';
  budget?: { maxCostUsd?: number; maxTurns?: number };
  /** Declared steps, where the template lists them up front (YAML). TS templates discover steps as they run. */
  declaredSteps?: { id: string; name: string; phase: string }[];
  execute(ctx: WorkflowContext, args: unknown): Promise<unknown>;
}

/** The serialisable part of a definition: what `definition.json` holds and what a run is pinned to. */
export interface DefinitionSnapshot {
  id: string;
  name: string;
  description?: string;
  source: TemplateSource;
  phases: PhaseDefinition[];
  argsJsonSchema: JsonSchema;
  workspace?: 'worktree' | 'in-place';
  declaredSteps?: { id: string; name: string; phase: string }[];
}

export interface WorkflowRun {
  id: string;
  definitionId: string;
  name: string;
  args: unknown;
  status: RunStatus;
  currentPhase: string | null;
  currentStepIndex: number;
  error: string | null;
  /** Manual gates that someone approved (phase ids). */
  approvedGates: string[];
  /** The gated phase a `waiting` run stands before. */
  waitingGate: string | null;
  /** Control requests waiting for the worker that holds the run. */
  pauseRequested: 'boundary' | 'now' | null;
  cancelRequested: boolean;
  lease: Lease | null;
  /** Monotonic per run; bumped on every claim so a stale holder's writes are refused. */
  epoch: number;
  createdAt: string;
  startedAt: string | null;
  pausedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  /**
   * When a worker last took the run up after the process executing it stopped (a crash, a kill, a restart), and
   * the step it resumed at; null for a run that never needed it.
   */
  recoveredAt: string | null;
  recoveredAtStep: number | null;
  /** When a `waiting` run sleeping in `ctx.sleep` becomes runnable again (ISO time); null otherwise. */
  wakeAt: string | null;
  /** The step results when the run completed: what `execute` returned. */
  output: unknown;
}

export interface Lease {
  owner: string;
  epoch: number;
  expiresAt: number;
}
