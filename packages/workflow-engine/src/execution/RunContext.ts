/**
 * The `ctx` a template's `execute` receives, one per claimed run. Every step goes through the replay rule
 * (replay.ts); one that must really run goes through its lifecycle (stepLifecycle.ts) once its phase is open
 * (phases.ts); checkpoints and logs are written off the step's path (backgroundWrites.ts).
 */
import { StepSpecError } from '../errors.ts';
import type { JournalRecord } from '../ports.ts';
import type { output as ZodOutput, ZodType } from 'zod';
import type { StructuredAgentStepInput, WorkflowContext, WorkspaceInfo } from '../types/context.ts';
import type { AgentStepOutput, ArtifactInput, StepArtifact, StepInput, StepResult, StepType } from '../types/step.ts';
import { publishArtifact } from './artifacts.ts';
import type { EventOptions, InputOptions, ReceivedEvent } from '../types/step.ts';
import type { RunStatus } from '../types/status.ts';
import type { WorkflowDefinition, WorkflowRun } from '../types/workflow.ts';
import { BackgroundWrites } from './backgroundWrites.ts';
import { assertDeclaredPhase, setStatus } from './phases.ts';
import { parseDuration } from '../parser/yamlSchema.ts';
import { contextCall, JournalCursor, replayOrRun, skipCall, stepCall } from './replay.ts';
import type { RunControl } from './RunControl.ts';
import { saveCheckpoint } from './runScope.ts';
import type { RunContextDeps, RunScope } from './runScope.ts';
import { SuspensionLatch } from './RunSuspended.ts';
import type { Suspension } from './RunSuspended.ts';
import { runContextStep, runEvent, runInput, runSleep } from './contextSteps.ts';
import { argsJsonSchema } from '../parser/WorkflowDefinition.ts';
import { answerQueuedFollowUps } from './followUp.ts';
import { runNewStep, skipStep } from './stepLifecycle.ts';
import { assertStepId, normalizeStepSpec } from './stepSpec.ts';

export class RunContext implements WorkflowContext {
  private readonly scope: RunScope;

  constructor(
    run: WorkflowRun,
    journal: JournalRecord[],
    definition: WorkflowDefinition,
    control: RunControl,
    deps: RunContextDeps,
  ) {
    this.scope = {
      run,
      definition,
      control,
      deps,
      cursor: new JournalCursor(journal),
      suspension: new SuspensionLatch(),
      writes: new BackgroundWrites(deps.files?.checkpointsDir, (error) =>
        deps.onLog?.(run.id, `could not write a log or checkpoint file: ${String(error)}`),
      ),
      spent: { costUsd: 0, turns: 0 },
      emit(event) {
        try {
          deps.events.emit(event);
        } catch {
          // A sink must not throw; if one does, the run goes on and the event is lost, not the step.
        }
      },
      comment: (text, options) => this.comment(text, options),
    };
  }

  get runId(): string {
    return this.scope.run.id;
  }

  get args(): unknown {
    return this.scope.run.args;
  }

  get phase(): string | null {
    return this.scope.cursor.phase;
  }

  get isReplaying(): boolean {
    return this.scope.cursor.isReplaying;
  }

  get workspace(): WorkspaceInfo {
    const { workspace, workingDir } = this.scope.deps;
    return workspace
      ? { mode: 'worktree', dir: workspace.dir, branch: workspace.record.branch }
      : { mode: 'in-place', dir: workingDir, branch: null };
  }

  /** The run as this worker last wrote it. */
  get latestRun(): WorkflowRun {
    return this.scope.run;
  }

  /** Why the run suspended, once it did; kept even when template code swallowed the {@link RunSuspended}. */
  get suspension(): Suspension | undefined {
    return this.scope.suspension.current;
  }

  step<S extends ZodType>(
    id: string,
    input: StructuredAgentStepInput<S>,
  ): Promise<StepResult<AgentStepOutput<ZodOutput<S>>>>;
  step<T = unknown>(id: string, input: StepInput): Promise<StepResult<T>>;
  async step(id: string, input: StepInput): Promise<StepResult> {
    const { scope } = this;
    await this.pauseOnWriteFailure();
    scope.suspension.throwIfSuspended();
    const spec = normalizeStepSpec(id, input);
    assertDeclaredPhase(scope.definition, id, spec.phase);
    const result = await replayOrRun(scope.cursor, stepCall(id, spec), (slot) => runNewStep(scope, id, spec, slot));
    scope.deps.workspace?.passed(result);
    // A follow-up queued after the step's last look at its queue, before its commit (or before a crash after it),
    // is answered now that its turn has ended: the run goes on once it is.
    if (spec.type === 'agent' && scope.deps.queue) await answerQueuedFollowUps(scope.deps, scope.run.id, id);
    return result;
  }

  async skip(
    id: string,
    spec: { phase: string; name?: string; reason?: string; type?: StepType },
  ): Promise<StepResult<null>> {
    const { scope } = this;
    scope.suspension.throwIfSuspended();
    assertStepId(id);
    assertDeclaredPhase(scope.definition, id, spec.phase);
    const result = await replayOrRun(scope.cursor, skipCall(id, spec.type), (slot) =>
      skipStep(scope, id, spec, slot.position),
    );
    return result as StepResult<null>;
  }

  async artifact(id: string, artifact: ArtifactInput): Promise<StepResult<StepArtifact>> {
    const { scope } = this;
    await this.pauseOnWriteFailure();
    scope.suspension.throwIfSuspended();
    assertStepId(id);
    const { name, path, content, type, description } = assertArtifactInput(id, artifact);
    const phase = this.phaseOf(id, artifact.phase);
    const input = {
      name,
      ...(path !== undefined ? { path } : { content: `(${Buffer.byteLength(content!)} bytes)` }),
      ...(type ? { type } : {}),
      ...(description ? { description } : {}),
    };
    const result = await replayOrRun(scope.cursor, contextCall(id, 'artifact'), (slot) =>
      runContextStep(
        scope,
        id,
        {
          phase,
          name,
          type: 'artifact',
          input,
          run: async () => ({
            ok: true,
            data: await publishArtifact(scope, id, {
              key: 'artifact',
              name,
              ...(type ? { type } : {}),
              ...(description ? { description } : {}),
              from: path !== undefined ? { path } : { content: content! },
            }),
          }),
        },
        slot,
      ),
    );
    return result as StepResult<StepArtifact>;
  }

  async sleep(
    id: string,
    duration: number | string,
    options: { phase?: string; name?: string } = {},
  ): Promise<StepResult<{ wakeAt: string }>> {
    const { scope } = this;
    await this.pauseOnWriteFailure();
    scope.suspension.throwIfSuspended();
    assertStepId(id);
    const durationMs = typeof duration === 'number' ? duration : parseDuration(duration);
    if (durationMs === undefined || !Number.isFinite(durationMs) || durationMs < 0) {
      throw new StepSpecError(
        id,
        `a sleep takes milliseconds or a duration such as 30s, 5m or 1h, got ${JSON.stringify(duration)}`,
      );
    }
    const phase = this.phaseOf(id, options.phase);
    const result = await replayOrRun(scope.cursor, contextCall(id, 'sleep'), (slot) =>
      runSleep(scope, id, { phase, name: options.name ?? id, durationMs }, slot),
    );
    return result as StepResult<{ wakeAt: string }>;
  }

  async waitForInput<T = Record<string, unknown>>(id: string, options: InputOptions): Promise<StepResult<T>> {
    const { scope } = this;
    await this.pauseOnWriteFailure();
    scope.suspension.throwIfSuspended();
    assertStepId(id);
    if (typeof options?.prompt !== 'string' || options.prompt.trim() === '') {
      throw new StepSpecError(id, 'an input step needs a non-empty `prompt`');
    }
    const schema = isZodLike(options.schema)
      ? argsJsonSchema(options.schema as never)
      : (options.schema as Record<string, unknown> | undefined);
    if (!schema || schema.type !== 'object' || typeof schema.properties !== 'object') {
      throw new StepSpecError(id, '`schema` must be a zod object or the JSON schema of an object');
    }
    const timeoutMs = typeof options.timeout === 'string' ? parseDuration(options.timeout) : options.timeout;
    if (options.timeout !== undefined && (timeoutMs === undefined || !(timeoutMs > 0))) {
      throw new StepSpecError(
        id,
        `timeout must be a duration such as 30s, 5m or 1h, got ${JSON.stringify(options.timeout)}`,
      );
    }
    const phase = this.phaseOf(id, options.phase);
    const request = {
      prompt: options.prompt,
      schema,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(options.default ? { default: options.default } : {}),
    };
    const result = await replayOrRun(scope.cursor, contextCall(id, 'input'), (slot) =>
      runInput(scope, id, { phase, name: options.name ?? id, request }, slot),
    );
    return result as StepResult<T>;
  }

  async waitForEvent(id: string, options: EventOptions): Promise<StepResult<ReceivedEvent>> {
    const { scope } = this;
    await this.pauseOnWriteFailure();
    scope.suspension.throwIfSuspended();
    assertStepId(id);
    if (typeof options?.event !== 'string' || options.event.trim() === '') {
      throw new StepSpecError(id, 'an event step needs the `event` name it waits for');
    }
    if (options.match !== undefined && (typeof options.match !== 'object' || options.match === null)) {
      throw new StepSpecError(id, '`match` must be an object of fields the event must have');
    }
    const timeoutMs = typeof options.timeout === 'string' ? parseDuration(options.timeout) : options.timeout;
    if (options.timeout !== undefined && (timeoutMs === undefined || !(timeoutMs > 0))) {
      throw new StepSpecError(
        id,
        `timeout must be a duration such as 30s, 5m or 1h, got ${JSON.stringify(options.timeout)}`,
      );
    }
    const phase = this.phaseOf(id, options.phase);
    const request = {
      event: options.event,
      match: options.match ?? {},
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(options.default ? { default: options.default } : {}),
    };
    const result = await replayOrRun(scope.cursor, contextCall(id, 'event'), (slot) =>
      runEvent(scope, id, { phase, name: options.name ?? id, request }, slot),
    );
    return result as StepResult<ReceivedEvent>;
  }

  exec(id: string, command: string | string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
    return this.step(id, { type: 'script', command, phase: this.phaseOf(id), ...options });
  }

  /** The phase a context call names, else the current one (the first phase before any step). */
  private phaseOf(id: string, phase?: string): string {
    const chosen = phase ?? this.scope.cursor.phase ?? this.scope.definition.phases[0]?.id;
    if (!chosen) throw new StepSpecError(id, 'the template declares no phase');
    assertDeclaredPhase(this.scope.definition, id, chosen);
    return chosen;
  }

  async checkpoint(): Promise<void> {
    const { scope } = this;
    scope.suspension.throwIfSuspended();
    await scope.suspension.guard(() => scope.control.atBoundary());
    saveCheckpoint(scope, scope.cursor.lastStep ?? 'start');
  }

  async comment(text: string, options: { stepId?: string } = {}): Promise<void> {
    const { scope } = this;
    scope.suspension.throwIfSuspended();
    const { comment, created } = await scope.deps.store.addComment({
      runId: this.runId,
      stepId: options.stepId ?? null,
      key: scope.cursor.nextCommentKey(),
      text,
      type: 'system',
    });
    if (created) {
      scope.emit({
        type: 'workflow.comment.created',
        data: { execution_id: this.runId, step_id: comment.stepId, comment },
      });
    }
  }

  getStepResult<T = unknown>(id: string): StepResult<T> | undefined {
    return this.scope.cursor.result(id) as StepResult<T> | undefined;
  }

  log(message: string): void {
    if (!this.isReplaying) this.scope.deps.onLog?.(this.runId, message);
  }

  /** Moves the run's status, telling the event sink when it changed. */
  setStatus(
    status: RunStatus,
    extra: { error?: string | null; output?: unknown; waitingGate?: string | null } = {},
  ): Promise<void> {
    return setStatus(this.scope, status, extra);
  }

  /** Waits for every background write of this run. */
  async flush(): Promise<void> {
    await this.scope.writes.flush();
    await this.pauseOnWriteFailure();
  }

  /**
   * A log or checkpoint that could not be written (a full disk, a read-only folder) pauses the run with the reason,
   * at its next step or where it would stop: the journal holds every committed step, but a run must neither go on
   * nor report completed with its files silently missing.
   */
  private async pauseOnWriteFailure(): Promise<void> {
    const failure = this.scope.writes.failure;
    if (!failure || this.scope.suspension.current) return;
    const reason = `could not write the run's files (${failure.message}); make room or fix the folder's permissions, then resume`;
    await this.comment(`Paused: ${reason}`).catch(() => undefined);
    this.scope.suspension.hold({ status: 'paused', reason });
  }
}

function assertArtifactInput(id: string, artifact: ArtifactInput): ArtifactInput {
  if (typeof artifact !== 'object' || artifact === null) throw new StepSpecError(id, 'the artifact must be an object');
  if (typeof artifact.name !== 'string' || artifact.name.trim() === '') {
    throw new StepSpecError(id, 'an artifact needs a non-empty `name`');
  }
  const hasPath = typeof artifact.path === 'string' && artifact.path !== '';
  const hasContent = typeof artifact.content === 'string' || artifact.content instanceof Uint8Array;
  if (hasPath === hasContent) throw new StepSpecError(id, 'an artifact needs exactly one of `path` and `content`');
  for (const key of ['type', 'description'] as const) {
    if (artifact[key] !== undefined && typeof artifact[key] !== 'string') {
      throw new StepSpecError(id, `\`${key}\` must be a string`);
    }
  }
  return artifact;
}

/** A zod schema, possibly from a template's own copy of zod: anything with `safeParse`. */
function isZodLike(schema: unknown): boolean {
  return typeof (schema as { safeParse?: unknown } | null)?.safeParse === 'function';
}
