/**
 * The `ctx` a template's `execute` receives, and the replay rule: a step whose journal record is final returns
 * that record's result; any other step runs now and is committed before `ctx.step` returns.
 */
import { resolve } from 'node:path';
import { DeterminismError, DuplicateStepIdError, StepFailedError, StepSpecError } from '../errors.ts';
import type { EventSink, JournalRecord, RunStore, StepProgress } from '../ports.ts';
import type { ExecutionFiles } from '../storage/FileSystemStorage.ts';
import type { WorkflowContext } from '../types/context.ts';
import type { StepInput, StepResult, StepSpec, StepType } from '../types/step.ts';
import type { RunStatus } from '../types/status.ts';
import type { WorkflowDefinition, WorkflowRun } from '../types/workflow.ts';
import { buildCheckpoint, CheckpointManager } from './CheckpointManager.ts';
import type { RunControl } from './RunControl.ts';
import { RunSuspended } from './RunSuspended.ts';
import type { Suspension } from './RunSuspended.ts';
import { describeStepInput, normalizeStepSpec, assertStepId } from './stepSpec.ts';
import { runStep } from './runStep.ts';
import type { AgentResult, AgentRunner, AgentSessionStore } from '../ports.ts';
import { writeStepSummary } from './stepSummary.ts';
import { addSpend, stepBudget } from './budget.ts';
import type { Spend } from './budget.ts';

export interface RunContextDeps {
  store: RunStore;
  events: EventSink;
  agents: AgentRunner | undefined;
  agentSessions: AgentSessionStore | undefined;
  files: ExecutionFiles | undefined;
  workingDir: string;
  retryBaseDelayMs: number;
  onLog: ((runId: string, message: string) => void) | undefined;
}

export class RunContext implements WorkflowContext {
  private position = 0;
  private readonly seen = new Set<string>();
  private readonly byId = new Map<string, JournalRecord>();
  private readonly byIndex = new Map<number, JournalRecord>();
  private readonly replayLength: number;
  private currentPhase: string | null = null;
  private lastStepId: string | null = null;
  private commentsSinceStep = 0;
  private readonly checkpoints: CheckpointManager | undefined;
  /** What this run's agents spent since it was claimed (see budget.ts). */
  private readonly spent: Spend = { costUsd: 0, turns: 0 };
  private readonly writes = new Set<Promise<void>>();
  /** Set once the run suspends; every later call re-throws it, even if template code swallowed the first. */
  suspension: Suspension | undefined;

  constructor(
    private run: WorkflowRun,
    journal: JournalRecord[],
    private readonly definition: WorkflowDefinition,
    private readonly control: RunControl,
    private readonly deps: RunContextDeps,
  ) {
    for (const record of journal) {
      this.byId.set(record.stepId, record);
      this.byIndex.set(record.index, record);
    }
    this.replayLength = journal.length === 0 ? 0 : Math.max(...journal.map((r) => r.index)) + 1;
    this.checkpoints = deps.files && new CheckpointManager(deps.files.checkpointsDir);
  }

  get runId(): string {
    return this.run.id;
  }

  get args(): unknown {
    return this.run.args;
  }

  get phase(): string | null {
    return this.currentPhase;
  }

  get isReplaying(): boolean {
    return this.position < this.replayLength;
  }

  /** The run as this worker last wrote it. */
  get latestRun(): WorkflowRun {
    return this.run;
  }

  async step<T = unknown>(id: string, input: StepInput): Promise<StepResult<T>> {
    this.throwIfSuspended();
    const spec = normalizeStepSpec(id, input);
    this.assertDeclaredPhase(id, spec.phase);
    const { position, recorded } = this.claimPosition(id);
    if (recorded && isFinal(recorded, spec)) return this.replayed(recorded) as StepResult<T>;
    return (await this.runNew(id, spec, position, recorded)) as StepResult<T>;
  }

  async skip(
    id: string,
    spec: { phase: string; name?: string; reason?: string; type?: StepType },
  ): Promise<StepResult<null>> {
    this.throwIfSuspended();
    assertStepId(id);
    this.assertDeclaredPhase(id, spec.phase);
    const { position, recorded } = this.claimPosition(id);
    if (recorded?.status === 'skipped') return this.replayed(recorded) as StepResult<null>;
    await this.control.atBoundary();
    await this.moveToPhase(spec.phase, { gate: false });
    const now = new Date().toISOString();
    const result: StepResult<null> = { status: 'skipped', data: null, attempts: 0, startedAt: now, finishedAt: now };
    if (spec.reason) result.error = { code: 'skipped', message: spec.reason };
    const lease = this.control.lease;
    await this.deps.store.startStep(this.runId, lease, {
      stepId: id,
      index: position,
      name: spec.name ?? id,
      phase: spec.phase,
      type: spec.type ?? 'function',
      input: { reason: spec.reason ?? null },
      attempt: 0,
    });
    await this.commit(id, position, spec.phase, { status: 'skipped', result, error: null });
    this.saveCheckpoint(id);
    return result;
  }

  exec(id: string, command: string | string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
    const phase = this.currentPhase ?? this.definition.phases[0]?.id;
    if (!phase) throw new StepSpecError(id, 'the template declares no phase');
    return this.step(id, { type: 'script', command, phase, ...options });
  }

  async checkpoint(): Promise<void> {
    this.throwIfSuspended();
    await this.guard(() => this.control.atBoundary());
    this.saveCheckpoint(this.lastStepId ?? 'start');
  }

  async comment(text: string, options: { stepId?: string } = {}): Promise<void> {
    this.throwIfSuspended();
    // Keyed by position, so a replayed `execute` finds the comment it already wrote.
    const key = `${this.lastStepId ?? '^'}#${this.commentsSinceStep++}`;
    const { comment, created } = await this.deps.store.addComment({
      runId: this.runId,
      stepId: options.stepId ?? null,
      key,
      text,
      type: 'system',
    });
    if (created)
      this.emit({
        type: 'workflow.comment.created',
        data: { execution_id: this.runId, step_id: comment.stepId, comment },
      });
  }

  getStepResult<T = unknown>(id: string): StepResult<T> | undefined {
    return (this.byId.get(id)?.result ?? undefined) as StepResult<T> | undefined;
  }

  log(message: string): void {
    if (!this.isReplaying) this.deps.onLog?.(this.runId, message);
  }

  // ── replay ──────────────────────────────────────────────────────────────────────────────────────────────────

  /** Takes the next call position for `id` and checks it against the journal. */
  private claimPosition(id: string): { position: number; recorded: JournalRecord | undefined } {
    if (this.seen.has(id)) throw new DuplicateStepIdError(id);
    this.seen.add(id);
    const position = this.position++;
    const atPosition = this.byIndex.get(position);
    const recorded = this.byId.get(id);
    if (atPosition && atPosition.stepId !== id) {
      throw new DeterminismError(
        `replay asked for step "${id}" at position ${position}, but the journal recorded step "${atPosition.stepId}" there; ` +
          'the template changed, or code between steps depends on something other than args and step results',
        atPosition.stepId,
        id,
      );
    }
    if (recorded && recorded.index !== position) {
      throw new DeterminismError(
        `replay asked for step "${id}" at position ${position}, but the journal recorded it at position ${recorded.index}`,
        recorded.stepId,
        id,
      );
    }
    return { position, recorded };
  }

  private replayed(record: JournalRecord): StepResult {
    this.currentPhase = record.phase;
    this.lastStepId = record.stepId;
    this.commentsSinceStep = 0;
    return record.result!;
  }

  // ── running a new step ──────────────────────────────────────────────────────────────────────────────────────

  private async runNew(
    id: string,
    requested: StepSpec,
    position: number,
    recorded: JournalRecord | undefined,
  ): Promise<StepResult> {
    const { store } = this.deps;
    await this.guard(() => this.control.atBoundary());
    await this.guard(() => this.moveToPhase(requested.phase, { gate: true }));
    const spec = await this.withBudget(id, requested);
    const name = spec.name ?? id;
    const firstAttempt = (recorded?.attempt ?? 0) + 1;
    const startedAt = new Date().toISOString();
    const input = describeStepInput(spec);
    // The agent_sessions record exists before the agent process does, so the step links to it from the start; a
    // resumed step keeps the record of the session it continues.
    const agentSessionRecordId =
      spec.type === 'agent' && this.deps.agentSessions
        ? (recorded?.agentSessionRecordId ??
          (await this.deps.agentSessions.createSession({
            runId: this.runId,
            stepId: id,
            agent: spec.agent,
            cwd: resolve(this.deps.workingDir, spec.cwd ?? '.'),
          })))
        : undefined;
    await store.startStep(
      this.runId,
      this.control.lease,
      {
        stepId: id,
        index: position,
        name,
        phase: spec.phase,
        type: spec.type,
        input,
        attempt: firstAttempt,
        ...(agentSessionRecordId ? { agentSessionRecordId } : {}),
      },
      { currentStepIndex: position },
    );
    this.run = { ...this.run, currentStepIndex: position };
    const log = this.deps.files?.stepLog(id);
    if (log) this.inBackground(log.writeInput({ step_id: id, ...input, attempt: firstAttempt }));
    const emitStarted = (attempt: number) =>
      this.emit({
        type: 'workflow.step.started',
        data: { execution_id: this.runId, step_id: id, phase: spec.phase, name, step_type: spec.type, attempt },
      });
    emitStarted(firstAttempt);

    const outcome = await runStep({
      runId: this.runId,
      stepId: id,
      spec,
      firstAttempt,
      workingDir: this.deps.workingDir,
      control: this.control.signal,
      retryBaseDelayMs: this.deps.retryBaseDelayMs,
      log,
      agents: this.deps.agents,
      resumeSessionId: recorded?.agentSessionId ?? null,
      progress: (progress: StepProgress) =>
        this.emit({
          type: 'workflow.step.progress',
          data: { execution_id: this.runId, step_id: id, phase: spec.phase, progress },
        }),
      onAttempt: async (attempt) => {
        await store.updateStep(this.runId, this.control.lease, id, { attempt });
        emitStarted(attempt);
      },
      onAgentSession: async (sessionId) => {
        await store.updateStep(this.runId, this.control.lease, id, { agentSessionId: sessionId });
      },
    });
    if (log) this.inBackground(log.close());

    if (spec.type === 'agent' && outcome.kind === 'finished') addSpend(this.spent, outcome.data as AgentResult | null);
    if (outcome.kind === 'interrupted')
      return this.interrupted(id, spec, outcome.suspension, startedAt, outcome.attempts);

    const result: StepResult = {
      status: outcome.ok ? 'completed' : 'failed',
      data: outcome.data,
      attempts: outcome.attempts,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    if (outcome.error) result.error = outcome.error;
    await this.commit(id, position, spec.phase, { status: result.status, result, error: outcome.error });
    this.saveCheckpoint(id);
    if (log) this.inBackground(writeStepSummary(log, id, spec, result));
    if (!outcome.ok && !spec.continueOnError) throw new StepFailedError(id, outcome.error?.message ?? 'failed');
    return result;
  }

  /** An agent step gets what is left of the run's budget, and does not start once that is spent. */
  private async withBudget(id: string, spec: StepSpec): Promise<StepSpec> {
    if (spec.type !== 'agent') return spec;
    const allowed = stepBudget(spec.budget, this.definition.budget, this.spent);
    if (allowed.exhausted) {
      await this.comment(`Paused before step "${id}": ${allowed.exhausted}. Resume to grant another budget's worth.`);
      this.suspend({ status: 'paused' });
    }
    return allowed.budget ? { ...spec, budget: allowed.budget } : spec;
  }

  /** The durability point: the step's result and the run's progress in one store write. */
  private async commit(
    id: string,
    position: number,
    phase: string,
    outcome: { status: StepResult['status']; result: StepResult; error: StepResult['error'] | null },
  ) {
    const record = await this.deps.store.finishStep(
      this.runId,
      this.control.lease,
      id,
      { ...outcome, error: outcome.error ?? null },
      {
        currentStepIndex: position + 1,
      },
    );
    this.byId.set(id, record);
    this.byIndex.set(position, record);
    this.run = { ...this.run, currentStepIndex: position + 1 };
    this.lastStepId = id;
    this.commentsSinceStep = 0;
    this.emit({
      type: 'workflow.step.completed',
      data: { execution_id: this.runId, step_id: id, phase, status: outcome.status, result: outcome.result },
    });
  }

  private async interrupted(
    id: string,
    spec: StepSpec,
    suspension: Suspension,
    startedAt: string,
    attempts: number,
  ): Promise<never> {
    const { store } = this.deps;
    if (suspension.status === 'cancelled') {
      // A step interrupted by its own cancellation is journaled as cancelled: the run ends here.
      const result: StepResult = {
        status: 'cancelled',
        data: null,
        attempts,
        startedAt,
        finishedAt: new Date().toISOString(),
        error: { code: 'cancelled', message: 'the run was cancelled' },
      };
      await store.finishStep(this.runId, this.control.lease, id, { status: 'cancelled', result, error: result.error! });
      this.emit({
        type: 'workflow.step.completed',
        data: { execution_id: this.runId, step_id: id, phase: spec.phase, status: 'cancelled', result },
      });
    } else if (suspension.status === 'paused') {
      // Not finished: the step runs again on resume, and an agent step continues its journaled session.
      await store.updateStep(this.runId, this.control.lease, id, { status: 'pending', attempt: attempts });
      if (suspension.reason) await this.comment(`Paused: ${suspension.reason}`, { stepId: id }).catch(() => undefined);
    }
    this.suspend(suspension);
  }

  // ── phases and gates ────────────────────────────────────────────────────────────────────────────────────────

  private assertDeclaredPhase(id: string, phase: string): void {
    if (!this.definition.phases.some((p) => p.id === phase)) {
      const declared = this.definition.phases.map((p) => p.id).join(', ');
      throw new StepSpecError(id, `"${phase}" is not a declared phase (${declared})`);
    }
  }

  /**
   * Moving to a step's phase. A step that must really run waits while any manual gate up to and including its
   * phase is unapproved — a gated phase with no steps of its own still stops the run before the next phase.
   * Steps replayed from the journal passed their gates already.
   */
  private async moveToPhase(phase: string, options: { gate: boolean }): Promise<void> {
    this.currentPhase = phase;
    const upTo = this.definition.phases.slice(0, this.definition.phases.findIndex((p) => p.id === phase) + 1);
    const closed = upTo.find((p) => p.gate === 'manual' && !this.run.approvedGates.includes(p.id));
    if (options.gate && closed) {
      await this.setStatus('waiting', { waitingGate: closed.id });
      this.suspend({ status: 'waiting', gate: closed.id });
    }
    if (this.run.currentPhase !== phase) {
      const previous = this.run.currentPhase;
      this.run = await this.deps.store.updateRun(this.runId, this.control.lease, { currentPhase: phase });
      this.emit({
        type: 'workflow.execution.phase_changed',
        data: { execution_id: this.runId, phase, previous_phase: previous },
      });
    }
  }

  async setStatus(
    status: RunStatus,
    extra: { error?: string | null; output?: unknown; waitingGate?: string | null } = {},
  ): Promise<void> {
    const previous = this.run.status;
    this.run = await this.deps.store.updateRun(this.runId, this.control.lease, { status, ...extra });
    if (previous !== status) {
      this.emit({
        type: 'workflow.execution.status_changed',
        data: {
          execution_id: this.runId,
          status,
          previous_status: previous,
          ...(extra.error ? { error: extra.error } : {}),
        },
      });
    }
  }

  // ── suspension ──────────────────────────────────────────────────────────────────────────────────────────────

  private suspend(suspension: Suspension): never {
    this.suspension ??= suspension;
    throw new RunSuspended(this.suspension);
  }

  private throwIfSuspended(): void {
    if (this.suspension) throw new RunSuspended(this.suspension);
  }

  /** Records a suspension thrown by `fn`, so that it survives template code that catches it. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof RunSuspended) this.suspension ??= error.suspension;
      throw error;
    }
  }

  /**
   * Checkpoints and logs are written after the commit, off the step's path: the journal is the run's truth, so a
   * crash loses at most the newest of these files, never a step. They are in order per file and all on disk
   * before the run's worker lets it go ({@link RunContext.flush}).
   */
  private saveCheckpoint(stepId: string): void {
    if (!this.checkpoints) return;
    const run = this.run;
    const journal = [...this.byIndex.values()];
    const build = () =>
      buildCheckpoint(
        run,
        journal.sort((a, b) => a.index - b.index),
        new Date(),
      );
    this.inBackground(this.checkpoints.save(build, stepId));
  }

  private inBackground(write: Promise<unknown>): void {
    const tracked = write.then(
      () => undefined,
      (error: unknown) => this.deps.onLog?.(this.runId, `could not write a log or checkpoint file: ${String(error)}`),
    );
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
  }

  /** Waits for every background write of this run. */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.all(this.writes);
  }

  private emit(event: Parameters<EventSink['emit']>[0]): void {
    try {
      this.deps.events.emit(event);
    } catch {
      // A sink must not throw; if one does, the run goes on and the event is lost, not the step.
    }
  }
}

function isFinal(record: JournalRecord, spec: StepSpec): boolean {
  if (record.status === 'completed' || record.status === 'skipped') return true;
  // A failure the template chose to continue past is the step's committed outcome.
  return record.status === 'failed' && spec.continueOnError === true && record.result !== null;
}
