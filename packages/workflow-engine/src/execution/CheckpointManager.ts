/**
 * Checkpoints: the run's progress as the seed's JSON, one file per checkpoint named after the step it follows,
 * written atomically — after the 1st, 2nd, 4th… committed step and whenever the run stops (backgroundWrites.ts).
 * A run can be rebuilt from these files alone.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalRecord } from '../ports.ts';
import type { RunState } from '../storage/runState.ts';
import { newRunState } from '../storage/runState.ts';
import { writeFileAtomic } from '../storage/atomicFile.ts';
import type { StepResult, StepType } from '../types/step.ts';
import type { WorkflowRun } from '../types/workflow.ts';

export interface CheckpointStepResult extends StepResult {
  step_id: string;
  index: number;
  name: string;
  phase: string;
  type: StepType;
  agent_session_id: string | null;
}

export interface Checkpoint {
  execution_id: string;
  timestamp: string;
  current_phase: string | null;
  current_step_index: number;
  completed_step_ids: string[];
  step_results: Record<string, CheckpointStepResult>;
  /** Enough of the run to rebuild it: which template, under what name, with which gates approved. */
  run: Pick<WorkflowRun, 'definitionId' | 'name' | 'createdAt' | 'approvedGates'>;
}

const FINISHED = new Set(['completed', 'skipped', 'failed']);

export function buildCheckpoint(run: WorkflowRun, journal: JournalRecord[], now: Date): Checkpoint {
  const finished = journal.filter((r) => FINISHED.has(r.status) && r.result);
  return {
    execution_id: run.id,
    timestamp: now.toISOString(),
    current_phase: run.currentPhase,
    current_step_index: run.currentStepIndex,
    completed_step_ids: finished.filter((r) => r.status === 'completed').map((r) => r.stepId),
    step_results: Object.fromEntries(
      finished.map((r) => [
        r.stepId,
        {
          ...(r.result as StepResult),
          step_id: r.stepId,
          index: r.index,
          name: r.name,
          phase: r.phase,
          type: r.type,
          agent_session_id: r.agentSessionId,
        },
      ]),
    ),
    run: {
      definitionId: run.definitionId,
      name: run.name,
      createdAt: run.createdAt,
      approvedGates: run.approvedGates,
    },
  };
}

export class CheckpointManager {
  private sequence: number | undefined;
  private queued: { build: () => Checkpoint; stepId: string } | undefined;
  private writing: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  /**
   * Writes the checkpoint built by `build` after the one in flight. When steps commit faster than the disk takes
   * their checkpoints, a newer one replaces one still waiting: each file is complete, the newest is always
   * written, and a run of a thousand quick steps does not write a thousand growing files.
   */
  save(build: () => Checkpoint, stepId: string): Promise<void> {
    this.queued = { build, stepId };
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      // Taken before the first await, so the checkpoint that started the drain is the first one written.
      const { build, stepId } = this.queued;
      this.queued = undefined;
      this.sequence ??= (await this.files()).length;
      this.sequence += 1;
      const path = join(this.dir, `${String(this.sequence).padStart(6, '0')}-${stepId}.json`);
      await writeFileAtomic(path, JSON.stringify(build()));
    }
  }

  async loadLatest(): Promise<Checkpoint | undefined> {
    const latest = (await this.files()).at(-1);
    if (!latest) return undefined;
    return JSON.parse(await readFile(join(this.dir, latest), 'utf8')) as Checkpoint;
  }

  private async files(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => /^\d{6}-.+\.json$/.test(n)).sort();
  }
}

/** Rebuilds a run's state from its latest checkpoint and args, ready to be resumed by replay. */
export function runStateFromCheckpoint(checkpoint: Checkpoint, args: unknown): RunState {
  const state = newRunState(
    { id: checkpoint.execution_id, definitionId: checkpoint.run.definitionId, name: checkpoint.run.name, args },
    new Date(checkpoint.run.createdAt),
  );
  state.run.currentPhase = checkpoint.current_phase;
  state.run.currentStepIndex = checkpoint.current_step_index;
  state.run.approvedGates = [...checkpoint.run.approvedGates];
  state.journal = Object.values(checkpoint.step_results)
    .sort((a, b) => a.index - b.index)
    .map((r) => ({
      runId: checkpoint.execution_id,
      stepId: r.step_id,
      index: r.index,
      name: r.name,
      phase: r.phase,
      type: r.type,
      status: r.status,
      attempt: r.attempts,
      input: null,
      result: {
        status: r.status,
        data: r.data,
        error: r.error,
        attempts: r.attempts,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
      },
      error: r.error ?? null,
      agentSessionId: r.agent_session_id,
      agentSessionRecordId: null,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      invalidatedAt: null,
    }));
  // Journal records are written only under a lease, so a run with some was claimed before: its next claim must not
  // read as the first (the executor skips reading the journal of a run at its first claim).
  if (state.journal.length > 0) state.run.epoch = 1;
  return state;
}
