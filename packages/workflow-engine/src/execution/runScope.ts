/**
 * What the parts of a run's context share, one object per claimed run: the run as this worker last wrote it, the
 * journal cursor, the ports it writes through, and where its suspension and background writes are kept.
 */
import type {
  AgentRunner,
  AgentSessionStore,
  ArtifactStore,
  EventInbox,
  EventSink,
  FollowUpQueue,
  RunProgress,
  RunStore,
  WorkflowEvent,
} from '../ports.ts';
import type { ExecutionFiles } from '../storage/FileSystemStorage.ts';
import type { WorkflowDefinition, WorkflowRun } from '../types/workflow.ts';
import type { BackgroundWrites } from './backgroundWrites.ts';
import type { Spend } from './budget.ts';
import type { JournalCursor } from './replay.ts';
import type { RunControl } from './RunControl.ts';
import type { SuspensionLatch } from './RunSuspended.ts';
import type { RunWorkspace } from '../workspace/RunWorkspace.ts';

export interface RunContextDeps {
  store: RunStore;
  events: EventSink;
  agents: AgentRunner | undefined;
  agentSessions: AgentSessionStore | undefined;
  artifacts: ArtifactStore | undefined;
  /** Events kept for runs (`ctx.waitForEvent`). */
  inbox: EventInbox | undefined;
  /** Follow-ups waiting for an agent step's turn to end, and requests for changes (queuedFollowUps.ts). */
  queue: FollowUpQueue | undefined;
  files: ExecutionFiles | undefined;
  /** Where steps run unless they name an absolute `cwd`: the project directory, or its worktree. */
  workingDir: string;
  /** A worktree run's git workspace; undefined for a run in place. */
  workspace: RunWorkspace | undefined;
  retryBaseDelayMs: number;
  onLog: ((runId: string, message: string) => void) | undefined;
}

export interface RunScope {
  /** The run as this worker last wrote it, and the phase it moved to since (written with the next write). */
  run: WorkflowRun;
  phaseToWrite?: string | undefined;
  readonly definition: WorkflowDefinition;
  readonly control: RunControl;
  readonly deps: RunContextDeps;
  readonly cursor: JournalCursor;
  readonly suspension: SuspensionLatch;
  readonly writes: BackgroundWrites;
  /** What this run's agents spent since it was claimed (see budget.ts). */
  readonly spent: Spend;
  emit(event: WorkflowEvent): void;
  comment(text: string, options?: { stepId?: string }): Promise<void>;
}

/**
 * A run's progress with the phase it moved to since its last write. A phase move is not a write of its own: it
 * goes with the step's own write (the start of a script or agent step, the commit of a function step) or the
 * status that stops the run, whichever comes first — one round trip fewer per phase.
 */
export function withMovedPhase(scope: RunScope, progress: RunProgress = {}): RunProgress {
  const phase = scope.phaseToWrite;
  scope.phaseToWrite = undefined;
  return phase === undefined ? progress : { ...progress, currentPhase: phase };
}

/** A checkpoint of the run as it stands, after `stepId`. */
export function saveCheckpoint(scope: RunScope, stepId: string): void {
  scope.writes.checkpoint(stepId, scope.run, scope.cursor.records());
}
