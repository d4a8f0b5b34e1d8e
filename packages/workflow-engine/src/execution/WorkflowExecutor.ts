/**
 * Runs runs. `start` validates args and pins the template; `execute` claims a run, replays its journal through
 * the template's `execute` and drives it until it completes, fails, is cancelled, pauses or waits at a gate.
 * Control (`pause`, `resume`, `cancel`, `advance`, `rerun`) goes through the store, so it works on a run
 * executing in another process too.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ChangesRefusedError, InvalidTransitionError, RunNotFoundError, WorkflowError } from '../errors.ts';
import { definitionSnapshot, validateArgs } from '../parser/WorkflowDefinition.ts';
import type {
  AgentRunner,
  AgentSessionStore,
  ArtifactStore,
  EventInbox,
  EventSink,
  FollowUpQueue,
  NewRun,
  ReceivedEvent,
  RunStore,
} from '../ports.ts';
import { createMemoryFollowUpQueue } from '../storage/MemoryFollowUpQueue.ts';
import { ExecutionFiles } from '../storage/FileSystemStorage.ts';
import type { RunStatus } from '../types/status.ts';
import type { Lease, WorkflowDefinition, WorkflowRun } from '../types/workflow.ts';
import type { RunWorkspace } from '../workspace/RunWorkspace.ts';
import type { WorkspaceMode } from '../workspace/worktree.ts';
import { RunControl } from './RunControl.ts';
import { RunSuspended } from './RunSuspended.ts';
import type { Suspension } from './RunSuspended.ts';
import { RunContext } from './RunContext.ts';
import { chooseWorkspace, commentWorkspace, makeWorkspace, openWorkspace } from './runWorkspaces.ts';
import { killRunProcesses } from './stepProcesses.ts';
import { statusChanged } from './runEvents.ts';
import { toJsonValue } from './runStep.ts';
import { followUpAgentStep } from './followUp.ts';
import type { FollowUpOutcome } from './followUp.ts';

export interface ExecutorOptions {
  store: RunStore;
  events?: EventSink;
  agents?: AgentRunner;
  agentSessions?: AgentSessionStore;
  /** Records the files steps publish; without it they are still copied into the run's directory and journaled. */
  artifacts?: ArtifactStore;
  /** Keeps events sent to runs before they wait for them (`ctx.waitForEvent`). */
  inbox?: EventInbox;
  /**
   * Keeps follow-ups sent to a running agent step until its turn ends, and the comments of requests for changes.
   * Without one they are kept in memory, and die with the process.
   */
  followUps?: FollowUpQueue;
  /** `<project>/.agent/workflows/executions`: where snapshots, logs and checkpoints go. Without it, none are written. */
  executionsDir?: string;
  /**
   * The project directory: where steps run unless they name a `cwd` — or, for a run with a git worktree (the
   * default when it is in a git repository and `executionsDir` is given), the repository it is made from.
   */
  workingDir?: string;
  /** Identifies this worker in leases. */
  workerId?: string;
  leaseTtlMs?: number;
  /** How often a running run looks for pause and cancel requests from other processes. */
  controlPollMs?: number;
  /** First retry delay; each further retry doubles it. */
  retryBaseDelayMs?: number;
  /** `ctx.log` lines (not repeated on replay). */
  onLog?: (runId: string, message: string) => void;
}

export interface StartOptions {
  runId?: string;
  name?: string;
  /** Overrides the template's `workspace`; without either, a worktree in a git repository, else in place. */
  workspace?: WorkspaceMode;
  /** The commit-ish a worktree run's branch starts from; default HEAD. */
  base?: string;
}

const noEvents: EventSink = { emit: () => undefined };

export type WorkflowExecutor = ReturnType<typeof createExecutor>;

export function createExecutor(options: ExecutorOptions) {
  const store = options.store;
  const events = options.events ?? noEvents;
  const workerId = options.workerId ?? `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
  const leaseTtlMs = options.leaseTtlMs ?? 30_000;
  const controlPollMs = options.controlPollMs ?? 250;
  const queue = options.followUps ?? createMemoryFollowUpQueue();
  const active = new Map<string, RunControl>();
  /** The follow-up each step is answering now, so that the next one to the same step waits for it. */
  const followUps = new Map<string, Promise<unknown>>();

  const filesOf = (runId: string) =>
    options.executionsDir ? new ExecutionFiles(options.executionsDir, runId) : undefined;

  async function requireRun(runId: string): Promise<WorkflowRun> {
    const run = await store.getRun(runId);
    if (!run) throw new RunNotFoundError(runId);
    return run;
  }

  function emitStatus(run: WorkflowRun, previous: WorkflowRun['status'] | null): WorkflowRun {
    const event = statusChanged(run, previous);
    if (event) events.emit(event);
    return run;
  }

  /** Creates a run: validates args against the template's schema and pins the template. Does not execute it. */
  function start(definition: WorkflowDefinition, args: unknown, startOptions: StartOptions = {}): Promise<WorkflowRun> {
    return create(definition, args, startOptions);
  }

  async function create(
    definition: WorkflowDefinition,
    args: unknown,
    startOptions: StartOptions,
    claim?: NewRun['claim'],
  ): Promise<WorkflowRun> {
    const parsedArgs = validateArgs(definition, args ?? {});
    const runId = startOptions.runId ?? randomUUID();
    const files = filesOf(runId);
    // Decided before anything is written: a run that cannot have the workspace it asks for is not created.
    const workspace = await chooseWorkspace(files, {
      projectDir: workingDir(),
      runId,
      slug: definition.id,
      mode: startOptions.workspace ?? definition.workspace,
      base: startOptions.base,
    });
    // The snapshot is written first: a run record never exists without the template it is pinned to.
    if (files && workspace) {
      const sourceText = await readFile(definition.source.path, 'utf8');
      await files.writeSnapshot(definitionSnapshot(definition), parsedArgs, sourceText);
      await makeWorkspace(files, workspace);
    }
    const run = await store.createRun({
      id: runId,
      definitionId: definition.id,
      name: startOptions.name ?? definition.name,
      args: parsedArgs,
      claim,
    });
    if (workspace) await commentWorkspace({ store, events }, run, workspace);
    // Listeners hear a run created claimed as created, then (from `execute`) as started, like any other.
    emitStatus(claim ? { ...run, status: 'pending' } : run, null);
    return run;
  }

  const workingDir = () => options.workingDir ?? process.cwd();

  /**
   * Claims the run and drives it as far as it goes. Returns the run as it stands afterwards; a run that is not
   * runnable (held by another worker, paused, finished) is returned untouched. A worker pool that claimed the run
   * itself (`claimNextRun`) hands its lease over instead, with the status the run had before (for the event of its
   * start), and may pass a loader of the run's pinned template: a run whose template cannot be loaded then fails
   * like any other, with its status change emitted.
   */
  async function execute(
    runId: string,
    definition: WorkflowDefinition | (() => Promise<WorkflowDefinition>),
    executeOptions: { lease?: Lease; run?: WorkflowRun; previousStatus?: RunStatus } = {},
  ): Promise<WorkflowRun> {
    const claimed = executeOptions.lease
      ? {
          lease: executeOptions.lease,
          run: executeOptions.run ?? (await requireRun(runId)),
          previousStatus: executeOptions.previousStatus,
        }
      : await store.claimRun(runId, workerId, leaseTtlMs);
    if (!claimed) return requireRun(runId);
    // The claim made the run running; listeners hear it here, whoever claimed it.
    if (claimed.previousStatus) emitStatus(claimed.run, claimed.previousStatus);
    const control = new RunControl(store, runId, claimed.lease, { leaseTtlMs, pollMs: controlPollMs });
    // The claim just read the run: the first step boundary need not read it again.
    control.observe(claimed.run);
    active.set(runId, control);
    control.start();
    let final: WorkflowRun | undefined;
    try {
      final = await drive(claimed.run, definition, control);
      return final;
    } finally {
      control.stop();
      active.delete(runId);
      // A run that finished, paused or waits gave its lease up with its last write.
      if (final?.lease?.owner === workerId || !final)
        await store.releaseLease(runId, control.lease).catch(() => undefined);
    }
  }

  async function drive(
    run: WorkflowRun,
    loadDefinition: WorkflowDefinition | (() => Promise<WorkflowDefinition>),
    control: RunControl,
  ): Promise<WorkflowRun> {
    const runId = run.id;
    let definition: WorkflowDefinition;
    try {
      definition = typeof loadDefinition === 'function' ? await loadDefinition() : loadDefinition;
    } catch (error) {
      // A run whose template cannot be loaded can never make progress.
      const failed = await store.updateRun(runId, control.lease, {
        status: 'failed',
        error: `cannot load the run's pinned template: ${describeFailure(error)}`,
      });
      return emitStatus(failed, run.status);
    }
    const files = filesOf(runId);
    let workspace: RunWorkspace | undefined;
    try {
      workspace = await openWorkspace({ store, events }, run, files);
    } catch (error) {
      const failed = await store.updateRun(runId, control.lease, {
        status: 'failed',
        error: `cannot open the run's git worktree: ${describeFailure(error)}`,
      });
      return emitStatus(failed, run.status);
    }
    // A run claimed for the first time (epoch 1) has never been executed, so its journal is empty.
    const journal = run.epoch === 1 ? [] : await store.getJournal(runId);
    const ctx = new RunContext(run, journal, definition, control, {
      store,
      events,
      agents: options.agents,
      agentSessions: options.agentSessions,
      artifacts: options.artifacts,
      inbox: options.inbox,
      queue,
      files,
      workingDir: workspace?.dir ?? workingDir(),
      workspace,
      retryBaseDelayMs: options.retryBaseDelayMs ?? 1_000,
      onLog: options.onLog,
    });
    try {
      await control.atBoundary();
      // Claimed, a run is running already; one handed over by a caller that did not make it so starts here.
      if (run.status !== 'running') await ctx.setStatus('running');
      const output = await definition.execute(ctx, run.args);
      // Logs and checkpoints are on disk before anyone hears that the run stopped.
      await ctx.flush();
      // Template code may have caught the suspension; the run is suspended all the same.
      if (ctx.suspension) return await suspended(ctx, ctx.suspension);
      await ctx.setStatus('completed', { output: toJsonValue(output, `${definition.id}'s execute`) });
      return ctx.latestRun;
    } catch (error) {
      await ctx.flush();
      const suspension = ctx.suspension ?? (error instanceof RunSuspended ? error.suspension : undefined);
      if (suspension) return await suspended(ctx, suspension);
      const stopped = control.suspension?.status;
      if (stopped === 'lease_lost' || stopped === 'shutdown') return requireRun(runId);
      try {
        await ctx.setStatus('failed', { error: describeFailure(error) });
        return ctx.latestRun;
      } catch {
        return requireRun(runId);
      }
    }
  }

  /** The run as its last write here left it; read again only when this worker no longer holds it. */
  async function suspended(ctx: RunContext, suspension: Suspension): Promise<WorkflowRun> {
    // A worker that lost its lease writes nothing more: the run belongs to someone else now.
    // Nor does one shutting down: the run stays as it is, for the next process to resume by replay.
    if (suspension.status === 'lease_lost' || suspension.status === 'shutdown') return requireRun(ctx.runId);
    if (suspension.status === 'paused') await ctx.setStatus('paused');
    if (suspension.status === 'cancelled') {
      await ctx.setStatus('cancelled');
      // The running step's processes went with it; daemons that earlier steps of the run left go now.
      await killRunProcesses(ctx.runId);
    }
    return ctx.latestRun;
  }

  /** Start and execute in one call. */
  async function run(
    definition: WorkflowDefinition,
    args: unknown,
    startOptions: StartOptions = {},
  ): Promise<WorkflowRun> {
    // Created claimed and running: one write where a start and a worker's claim would take three.
    const created = await create(definition, args, startOptions, { owner: workerId, ttlMs: leaseTtlMs });
    return execute(created.id, definition, { lease: created.lease!, run: created, previousStatus: 'pending' });
  }

  async function pause(runId: string, pauseOptions: { now?: boolean } = {}): Promise<WorkflowRun> {
    const before = await requireRun(runId);
    const after = await store.requestPause(runId, pauseOptions.now ? 'now' : 'boundary');
    await active.get(runId)?.poll();
    return emitStatus(after, before.status);
  }

  async function cancel(runId: string): Promise<WorkflowRun> {
    const before = await requireRun(runId);
    const after = await store.requestCancel(runId);
    await active.get(runId)?.poll();
    return emitStatus(after, before.status);
  }

  /** Makes a paused or failed run runnable again; `execute` then replays it. */
  async function resume(runId: string): Promise<WorkflowRun> {
    const before = await requireRun(runId);
    return emitStatus(await store.resumeRun(runId), before.status);
  }

  /**
   * Journals a person's answer to the input step a waiting run stands at (validated by the caller); `execute` then
   * replays past it with the answer as the step's result.
   */
  async function answer(runId: string, stepId: string, values: Record<string, unknown>): Promise<WorkflowRun> {
    const before = await requireRun(runId);
    const after = await store.answerInput(runId, stepId, values);
    const record = (await store.getJournal(runId)).find((r) => r.stepId === stepId);
    if (record?.result) {
      events.emit({
        type: 'workflow.step.completed',
        data: { execution_id: runId, step_id: stepId, phase: record.phase, status: 'completed', result: record.result },
      });
    }
    return emitStatus(after, before.status);
  }

  /** Delivers an event to the event step a waiting run stands at (matched by the caller); `execute` then goes on. */
  async function deliverEvent(runId: string, stepId: string, event: ReceivedEvent): Promise<WorkflowRun> {
    const before = await requireRun(runId);
    const after = await store.deliverEvent(runId, stepId, event);
    const record = (await store.getJournal(runId)).find((r) => r.stepId === stepId);
    if (record?.result) {
      events.emit({
        type: 'workflow.step.completed',
        data: { execution_id: runId, step_id: stepId, phase: record.phase, status: 'completed', result: record.result },
      });
    }
    return emitStatus(after, before.status);
  }

  /** Approves the gate a waiting run stands at; `execute` then carries on. */
  async function advance(runId: string): Promise<WorkflowRun> {
    const before = await requireRun(runId);
    if (before.status !== 'waiting' || !before.waitingGate)
      throw new InvalidTransitionError(runId, 'advance', before.status);
    return emitStatus(await store.approveGate(runId, before.waitingGate), before.status);
  }

  /** Supersedes the journal from `phase` on (old records kept as history); `execute` then replays from there. */
  async function rerun(runId: string, phase: string, definition: WorkflowDefinition): Promise<WorkflowRun> {
    const before = await requireRun(runId);
    const index = definition.phases.findIndex((p) => p.id === phase);
    if (index < 0) {
      throw new InvalidTransitionError(
        runId,
        `re-run from phase "${phase}"`,
        `not a phase of ${definition.id} (${definition.phases.map((p) => p.id).join(', ')})`,
      );
    }
    const phases = definition.phases.slice(index).map((p) => p.id);
    return emitStatus(await store.invalidatePhases(runId, phases), before.status);
  }

  /**
   * Sends the phase before the gate a waiting run stands at back, with a reviewer's comment: that phase re-runs (as
   * `rerun` does), and each of its agent steps continues its superseded session with the comment as its prompt
   * instead of starting over (queuedFollowUps.ts). The run then waits at the gate again. Resolves with the run and
   * the agent steps that take the comment.
   */
  async function requestChanges(
    runId: string,
    comment: string,
    definition: WorkflowDefinition,
  ): Promise<{ run: WorkflowRun; phase: string; stepIds: string[] }> {
    const before = await requireRun(runId);
    const gate = before.waitingGate;
    if (before.status !== 'waiting' || !gate) {
      throw new ChangesRefusedError(runId, `it waits at no gate (it is ${before.status})`);
    }
    const index = definition.phases.findIndex((p) => p.id === gate);
    const phase = definition.phases[index - 1]?.id;
    if (!phase) throw new ChangesRefusedError(runId, `its gate "${gate}" has no phase before it to change`);
    const agentSteps = (await store.getJournal(runId)).filter(
      (record) => record.phase === phase && record.type === 'agent' && record.agentSessionId,
    );
    // Queued before the re-run makes the run runnable, so that no worker starts these steps without their comment.
    for (const record of agentSteps) {
      await queue.enqueue({
        runId,
        stepId: record.stepId,
        kind: 'changes',
        message: comment,
        sessionId: record.agentSessionId,
      });
    }
    const run = await rerun(runId, phase, definition);
    return { run, phase, stepIds: agentSteps.map((record) => record.stepId) };
  }

  /**
   * This process is shutting down. `boundary`: each run executing here stops at its next step boundary; `now`: its
   * running step is stopped as well. Nothing is written either way: the runs stay as they are, their leases are
   * given back, and the next process to claim them resumes them by replay.
   */
  function shutdown(mode: 'boundary' | 'now'): void {
    for (const control of active.values()) {
      if (mode === 'now') control.abort({ status: 'shutdown' });
      else control.drain();
    }
  }

  /**
   * Sends a person's message to an agent step: its session continues, its log grows, and the exchange is journaled as
   * the step's comments (followUp.ts). Resolves once the agent has answered — or, for a step whose turn is still
   * running, once the message is queued for the end of the turn.
   */
  function followUp(runId: string, stepId: string, message: string): Promise<FollowUpOutcome> {
    const deps = { store, events, agents: options.agents, files: filesOf(runId), workingDir: workingDir(), queue };
    // One at a time per step: two sessions resumed at once would fork the conversation, and both would take the
    // same follow-up number. The next waits for the previous, whether it succeeded or not.
    const key = `${runId}/${stepId}`;
    const previous = followUps.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => followUpAgentStep(deps, runId, stepId, message));
    const settled = next.catch(() => undefined);
    followUps.set(key, settled);
    void settled.then(() => {
      if (followUps.get(key) === settled) followUps.delete(key);
    });
    return next;
  }

  return {
    workerId,
    store,
    start,
    execute,
    run,
    pause,
    cancel,
    resume,
    advance,
    answer,
    deliverEvent,
    rerun,
    requestChanges,
    followUp,
    followUps: queue,
    shutdown,
  };
}

function describeFailure(error: unknown): string {
  if (error instanceof WorkflowError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
