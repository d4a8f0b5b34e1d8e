/**
 * The engine as Switchyard runs it — the one composition of run store, event sink, agent runner and agent
 * session store, used by `switchyard serve` and by the command line alike: one executor per project (its files,
 * its working directory, its events on the bus), all sharing one database run store and one worker identity.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { agentModeFromEnv, createAgentRunner, withCassettes } from '@switchyard/agent-cli-sdk';
import {
  createExecutor,
  ExecutionFiles,
  loadPinnedTemplate,
  reapOrphanedStepProcesses,
} from '@switchyard/workflow-engine';
import type { AgentRunner, WorkflowDefinition, WorkflowExecutor } from '@switchyard/workflow-engine';
import { NotFoundError } from '../../../errors.ts';
import type { DatabaseHandle } from '../../db/connection.ts';
import { createDatabaseAgentSessionStore, createDatabaseRunStore } from '../../db/DatabaseRunStore.ts';
import { projects, workflowRuns } from '../../db/schema.ts';
import type { EventBus } from '../../websocket/eventBus.ts';
import { releaseStaleLeases } from '../../workers/recovery.ts';
import { projectLayout } from '../project/projectLayout.ts';
import { createDatabaseArtifactStore } from '../workflow-artifact/artifactStore.ts';
import { createDatabaseEventInbox } from '../workflow-event/eventInbox.ts';
import { createDatabaseFollowUpQueue } from '../workflow-step/followUpQueue.ts';
import { busEventSink } from './engineEvents.ts';

/** How long a worker's claim on a run lasts unless renewed (every third of it): a dead worker's runs wait this long. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

export interface WorkflowRuntimeOptions {
  database: DatabaseHandle;
  bus: EventBus;
  agents?: AgentRunner;
  workerId?: string;
  /** Default: `SWITCHYARD_LEASE_TTL_MS`, else {@link DEFAULT_LEASE_TTL_MS}. */
  leaseTtlMs?: number;
  controlPollMs?: number;
  retryBaseDelayMs?: number;
  /** `ctx.log` lines of the runs executed here. */
  onLog?: (runId: string, message: string) => void;
}

export interface ProjectRef {
  id: string;
  path: string;
}

export type WorkflowRuntime = Awaited<ReturnType<typeof createWorkflowRuntime>>;

/**
 * Composes the runtime. On the embedded database it first drops every lease left in it: only the process holding
 * the data directory's lock can execute anything, so those leases belong to processes that are gone, and their
 * runs resume by replay now instead of after the lease time.
 */
export async function createWorkflowRuntime(options: WorkflowRuntimeOptions) {
  const { db } = options.database;
  const workerId = options.workerId ?? `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
  const leaseTtlMs = options.leaseTtlMs ?? Number(process.env.SWITCHYARD_LEASE_TTL_MS ?? DEFAULT_LEASE_TTL_MS);
  const agents = options.agents ?? createAgentRunner();
  // Read once, here: a misspelt SWITCHYARD_AGENTS stops the process at start instead of running agents live.
  const agentMode = agentModeFromEnv();
  const agentSessions = createDatabaseAgentSessionStore(db);
  const artifacts = createDatabaseArtifactStore(db);
  const inbox = createDatabaseEventInbox(db);
  const followUps = createDatabaseFollowUpQueue(db);
  /** Every project's runs: what the worker pool claims from. */
  const store = createDatabaseRunStore(db);
  const executors = new Map<string, WorkflowExecutor>();
  const recovered = options.database.kind === 'pglite' ? await releaseStaleLeases(db) : 0;
  // Before any run resumes here: step processes of a server or worker that died on this machine, which its
  // watchdog did not get to, must not run beside the resumed copy of their step.
  const reaped = await reapOrphanedStepProcesses();

  function executorFor(project: ProjectRef): WorkflowExecutor {
    let executor = executors.get(project.id);
    if (!executor) {
      const layout = projectLayout(project.path);
      executor = createExecutor({
        store: createDatabaseRunStore(db, {
          projectId: project.id,
          executionsDir: layout.executionsDir,
          relaxedDb: options.database.relaxed,
        }),
        events: busEventSink(options.bus, project.id),
        // Recorded agents are the project's: its cassettes folder, in record or replay mode.
        agents: withCassettes(agents, { mode: agentMode, dir: layout.cassettesDir }),
        agentSessions,
        artifacts,
        inbox,
        followUps,
        executionsDir: layout.executionsDir,
        workingDir: layout.dir,
        workerId,
        leaseTtlMs,
        controlPollMs: options.controlPollMs,
        retryBaseDelayMs: options.retryBaseDelayMs,
        onLog: options.onLog,
      });
      executors.set(project.id, executor);
    }
    return executor;
  }

  /** The project a run belongs to. */
  async function projectOfRun(runId: string): Promise<ProjectRef | undefined> {
    const [row] = await db
      .select({ id: projects.id, path: projects.path })
      .from(workflowRuns)
      .innerJoin(projects, eq(projects.id, workflowRuns.project_id))
      .where(eq(workflowRuns.id, runId));
    return row;
  }

  /** The template a run is pinned to: the copy of its source taken at start, not the file as it is now. */
  function pinnedDefinition(project: ProjectRef, runId: string): Promise<WorkflowDefinition> {
    return loadPinnedTemplate(new ExecutionFiles(projectLayout(project.path).executionsDir, runId));
  }

  /** The project a template row belongs to. */
  async function projectOfDefinition(definition: { project_id: string }): Promise<ProjectRef> {
    const [row] = await db
      .select({ id: projects.id, path: projects.path })
      .from(projects)
      .where(eq(projects.id, definition.project_id));
    if (!row) throw new NotFoundError('project', definition.project_id, { field: 'project_id' });
    return row;
  }

  return {
    workerId,
    leaseTtlMs,
    store,
    bus: options.bus,
    /** Runs whose leases were dropped at start: left running by a process that is gone. */
    recovered,
    /** Step processes of dead owners killed at start. */
    reaped,
    executorFor,
    projectOfRun,
    projectOfDefinition,
    pinnedDefinition,
    /** Stops the runs executing here, at their next step boundary or now (see the executor's `shutdown`). */
    shutdown(mode: 'boundary' | 'now') {
      for (const executor of executors.values()) executor.shutdown(mode);
    },
  };
}
