/**
 * What the engine needs from outside. The engine never touches a database, HTTP or an agent CLI directly:
 * the server and the CLI hand it implementations of these ports.
 */
import type { AgentName } from '@switchyard/agent-cli-sdk';
import type { CommentType, RunStatus, StepStatus, StepType } from './types/status.ts';
import type { ReceivedEvent, StepArtifact, StepError, StepResult } from './types/step.ts';
import type { Lease, WorkflowRun } from './types/workflow.ts';

// ── RunStore ────────────────────────────────────────────────────────────────────────────────────────────────────

/** A claim's answer: the run, running now under the lease, and its status before the claim (for its event). */
export interface ClaimedRun {
  run: WorkflowRun;
  lease: Lease;
  previousStatus: RunStatus;
}

export interface NewRun {
  id?: string;
  definitionId: string;
  name: string;
  args: unknown;
  /**
   * Created already claimed by this owner and running (epoch 1, the lease in `run.lease`), for a caller that
   * executes the run at once (`executor.run`): one write where creating, claiming and starting it take three.
   */
  claim?: { owner: string; ttlMs: number };
}

/** Fields the lease holder moves as the run progresses. */
export interface RunProgress {
  status?: RunStatus;
  currentPhase?: string | null;
  currentStepIndex?: number;
  error?: string | null;
  output?: unknown;
  waitingGate?: string | null;
  /** With `status: 'waiting'`: when the run may be claimed again (`ctx.sleep`). Cleared when it stops waiting. */
  wakeAt?: string | null;
}

export interface JournalRecord {
  runId: string;
  stepId: string;
  /** Position of the step in the run's call order, from 0. Replay checks it to catch non-determinism. */
  index: number;
  name: string;
  phase: string;
  type: StepType;
  status: StepStatus;
  /** Attempts started so far (1 on the first). */
  attempt: number;
  /** The step's serialisable input (prompt, command…), for logs and the board. */
  input: unknown;
  result: StepResult | null;
  error: StepError | null;
  /** The agent CLI's own session id, journaled as soon as the agent reports it, so an interrupted step resumes it. */
  agentSessionId: string | null;
  /** The `agent_sessions` record, where a store keeps them. */
  agentSessionRecordId: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Set when a re-run from an earlier phase superseded this record; kept as history. */
  invalidatedAt: string | null;
}

export type JournalRecordStart = Pick<
  JournalRecord,
  'stepId' | 'index' | 'name' | 'phase' | 'type' | 'input' | 'attempt'
> &
  Partial<Pick<JournalRecord, 'agentSessionId' | 'agentSessionRecordId' | 'startedAt'>>;

/** `status: 'pending'` marks a step interrupted by pause-now or a budget stop: it runs (or resumes) again later. */
export type JournalRecordUpdate = Partial<
  Pick<JournalRecord, 'attempt' | 'agentSessionId' | 'agentSessionRecordId'>
> & {
  status?: 'pending';
};

/** How a step ended: its final status, what `ctx.step` returns, and the error it failed with. */
export interface StepOutcome {
  status: StepStatus;
  result: StepResult;
  error: StepError | null;
}

export interface RunComment {
  id: string;
  runId: string;
  stepId: string | null;
  /**
   * The store's own id of the step's journal record, where its records have ids (a database row): what the API
   * names the step by. Null for a run-level comment, and in stores without record ids.
   */
  stepRecordId: string | null;
  /** Deterministic key from the engine, so a replayed `ctx.comment` is written once. */
  key: string | null;
  text: string;
  type: CommentType;
  createdAt: string;
}

export type NewComment = Omit<RunComment, 'id' | 'createdAt' | 'stepRecordId'>;

export interface RunFilter {
  status?: RunStatus[];
  definitionId?: string;
}

/**
 * The run store: runs, their journals, control requests and leases.
 *
 * Writes made by the worker that runs a run carry its {@link Lease}; a store refuses them with `LeaseLostError`
 * once another worker has claimed the run (fencing). Control requests (pause, cancel, resume, approve, re-run)
 * come from anyone.
 */
export interface RunStore {
  createRun(run: NewRun): Promise<WorkflowRun>;
  getRun(runId: string): Promise<WorkflowRun | undefined>;
  listRuns(filter?: RunFilter): Promise<WorkflowRun[]>;

  /**
   * Claims a run that is runnable (pending, or running under an expired lease) and makes it running: the run as it
   * stands after the claim, the lease, and the status it had. Undefined when it is not runnable. Every claim bumps
   * the run's epoch, and journal records are only written under a lease: a run at epoch 1 after its claim has no
   * journal yet.
   */
  claimRun(runId: string, owner: string, ttlMs: number): Promise<ClaimedRun | undefined>;
  /**
   * Claims the oldest runnable run, if any. Two concurrent callers never get the same run. A `waiting` run whose
   * wake time has come is runnable, as a pending one is.
   */
  claimNextRun(owner: string, ttlMs: number): Promise<ClaimedRun | undefined>;
  /** The soonest wake time of a sleeping run (epoch ms), due or not: when a worker should look again. */
  nextWakeAt(): Promise<number | undefined>;
  renewLease(runId: string, lease: Lease, ttlMs: number): Promise<Lease>;
  releaseLease(runId: string, lease: Lease): Promise<void>;

  updateRun(runId: string, lease: Lease, progress: RunProgress): Promise<WorkflowRun>;

  /** Active journal records in call order; with `includeInvalidated`, the superseded ones too. */
  getJournal(runId: string, options?: { includeInvalidated?: boolean }): Promise<JournalRecord[]>;
  /** Records a step as running (creating or restarting its active record), with the run's `progress` in the same write. */
  startStep(runId: string, lease: Lease, record: JournalRecordStart, progress?: RunProgress): Promise<JournalRecord>;
  updateStep(runId: string, lease: Lease, stepId: string, update: JournalRecordUpdate): Promise<JournalRecord>;
  /**
   * The durability point of a step: its result and the run's progress, committed together.
   * `status` is the step's final status; `result` what `ctx.step` returns.
   */
  finishStep(
    runId: string,
    lease: Lease,
    stepId: string,
    outcome: StepOutcome,
    progress?: RunProgress,
  ): Promise<JournalRecord>;
  /**
   * Start and finish in one write, for a step that needs no record while it runs (a function step, a skip): its
   * record is created (or an unfinished one replaced) final, with the run's progress. A crash before this write
   * loses nothing a replay would not do again.
   */
  recordStep(
    runId: string,
    lease: Lease,
    start: JournalRecordStart,
    outcome: StepOutcome,
    progress?: RunProgress,
  ): Promise<JournalRecord>;

  /** Pause a run: at once when no live worker holds it, else at its next step boundary (or now). */
  requestPause(runId: string, mode: 'boundary' | 'now'): Promise<WorkflowRun>;
  /** Cancel a run: at once when no live worker holds it, else the holder kills the running step. */
  requestCancel(runId: string): Promise<WorkflowRun>;
  /** Make a paused or failed run runnable again; its journal replays. */
  resumeRun(runId: string): Promise<WorkflowRun>;
  /**
   * Journals a person's answer as the result of the input step a waiting run stands at (`ctx.waitForInput`), and
   * makes the run runnable: its replay returns the answer. The answer is validated before, by whoever asks.
   */
  answerInput(runId: string, stepId: string, values: Record<string, unknown>): Promise<WorkflowRun>;
  /** Journals an event as the result of the event step a waiting run stands at, and makes the run runnable. */
  deliverEvent(runId: string, stepId: string, event: ReceivedEvent): Promise<WorkflowRun>;
  /** Approve the gate a waiting run stands at. */
  approveGate(runId: string, phase: string): Promise<WorkflowRun>;
  /** Supersede the journal records of these phases and make the run runnable again. */
  invalidatePhases(runId: string, phases: string[]): Promise<WorkflowRun>;

  /** Adds a comment; a comment whose key the run already has is not added again. */
  addComment(comment: NewComment): Promise<{ comment: RunComment; created: boolean }>;
  listComments(runId: string): Promise<RunComment[]>;
}

// ── ArtifactStore ───────────────────────────────────────────────────────────────────────────────────────────────

/** An artifact the engine copied into the run's `artifacts/{stepId}/`, to be recorded. */
export type NewArtifact = Omit<StepArtifact, 'id'> & { runId: string };

/** A recorded artifact: the store's id, and the id of the step's journal record where its records have ids. */
export type RunArtifact = StepArtifact & { runId: string; stepRecordId: string | null; createdAt: string };

/**
 * Records the files steps publish (`ctx.artifact`, a step's `artifacts` globs, `switchyard artifact add`), beside
 * a journal record the step has already written. Without one the files are still copied and journaled with the
 * step's result; the server's store keeps them as `workflow_artifacts` rows the board lists.
 */
export interface ArtifactStore {
  /** Records an artifact of a started step; one whose key the step already has is not added again. */
  addArtifact(artifact: NewArtifact): Promise<{ artifact: RunArtifact; created: boolean }>;
}

// ── EventInbox ──────────────────────────────────────────────────────────────────────────────────────────────────

export type { ReceivedEvent };

/** What `ctx.waitForEvent` waits for: the event's name, and fields its data must have with these values. */
export interface EventQuery {
  runId: string;
  name: string;
  match: Record<string, unknown>;
  /** Events sent to the project count from this time on (the run's creation). */
  since: string;
  /** Events this run's earlier waits took. */
  exclude: string[];
}

/**
 * The events received for runs, kept until one waits for them: an event sent before its run reaches the wait is not
 * lost. The server's inbox is a table; without one, only events delivered while the run waits reach it.
 */
export interface EventInbox {
  /** The oldest kept event the query matches. */
  findEvent(query: EventQuery): Promise<ReceivedEvent | undefined>;
}

// ── FollowUpQueue ───────────────────────────────────────────────────────────────────────────────────────────────

/**
 * `message`: a person's follow-up sent while the step's turn was running, delivered when the turn ends.
 * `changes`: the comment of a request for changes at a gate, the prompt the step starts with when its phase re-runs.
 */
export type QueuedFollowUpKind = 'message' | 'changes';

/** `delivering` from the moment its turn begins (its comment key fixed) until the turn has ended. */
export type QueuedFollowUpState = 'queued' | 'delivering' | 'delivered' | 'cancelled';

export interface QueuedFollowUp {
  id: string;
  runId: string;
  stepId: string;
  kind: QueuedFollowUpKind;
  message: string;
  /** `changes`: the session of the superseded record, which the re-run step continues. */
  sessionId: string | null;
  state: QueuedFollowUpState;
  /** The comment key its message is journaled under (`follow-up:<step>:<n>`), fixed when its delivery begins. */
  key: string | null;
  createdAt: string;
}

export type NewQueuedFollowUp = Pick<QueuedFollowUp, 'runId' | 'stepId' | 'kind' | 'message'> & {
  sessionId?: string | null;
};

/**
 * Follow-ups that wait for a step's turn to end, kept durably: one queued when its process dies is delivered by the
 * worker that resumes the step. The server keeps them as `workflow_follow_ups` rows.
 */
export interface FollowUpQueue {
  enqueue(followUp: NewQueuedFollowUp): Promise<QueuedFollowUp>;
  /** The step's follow-ups of this kind still to deliver (queued, or delivering when a turn was cut short), oldest first. */
  pending(runId: string, stepId: string, kind: QueuedFollowUpKind): Promise<QueuedFollowUp[]>;
  /** Every follow-up of the run, oldest first. */
  list(runId: string): Promise<QueuedFollowUp[]>;
  /**
   * Begins a delivery: `queued` → `delivering` under `key` (a `delivering` one keeps the key it has). Undefined when it
   * is neither — cancelled, or delivered — so a cancel that came first wins.
   */
  take(id: string, key: string | null): Promise<QueuedFollowUp | undefined>;
  /** `delivering` → `delivered`. */
  delivered(id: string): Promise<void>;
  /** `queued` → `cancelled`; undefined when it is not queued any more. */
  cancel(id: string): Promise<QueuedFollowUp | undefined>;
}

// ── EventSink ───────────────────────────────────────────────────────────────────────────────────────────────────

interface EventBase<T extends string, D> {
  type: T;
  data: { execution_id: string } & D;
}

export type StepProgress =
  | { kind: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'agent'; event: unknown }
  | { kind: 'log'; message: string };

export type WorkflowEvent =
  | EventBase<
      'workflow.step.started',
      { step_id: string; phase: string; name: string; step_type: StepType; attempt: number }
    >
  | EventBase<'workflow.step.progress', { step_id: string; phase: string; progress: StepProgress }>
  | EventBase<'workflow.step.completed', { step_id: string; phase: string; status: StepStatus; result: StepResult }>
  | EventBase<
      'workflow.execution.status_changed',
      /** `previous_status` is null for a run just created; `wake_at` is set for a run that went to sleep. */
      { status: RunStatus; previous_status: RunStatus | null; error?: string | null; wake_at?: string }
    >
  | EventBase<'workflow.execution.phase_changed', { phase: string; previous_phase: string | null }>
  | EventBase<'workflow.comment.created', { step_id: string | null; comment: RunComment }>
  | EventBase<'workflow.artifact.created', { step_id: string; artifact: RunArtifact }>;

export type WorkflowEventType = WorkflowEvent['type'];

/** Receives the engine's events, in order. It must not throw; slow work belongs behind it, not in it. */
export interface EventSink {
  emit(event: WorkflowEvent): void;
}

// ── Agents ──────────────────────────────────────────────────────────────────────────────────────────────────────

// The agent contract is owned by the SDK that implements it; the engine only receives a runner.
export type { AgentResult, AgentRunHooks, AgentRunner, AgentRunRequest, AgentUsage } from '@switchyard/agent-cli-sdk';

/** Creates the `agent_sessions` record before an agent process starts. */
export interface AgentSessionStore {
  createSession(session: { runId: string; stepId: string; agent: AgentName; cwd: string }): Promise<string>;
}
