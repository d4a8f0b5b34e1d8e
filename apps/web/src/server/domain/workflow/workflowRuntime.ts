/**
 * The engine as the server runs it: one executor per project (its files, its working directory, its events),
 * all sharing one database run store and one worker identity. Services and the worker pool go through this.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createAgentRunner } from '@switchyard/agent-cli-sdk';
import { createExecutor, ExecutionFiles, loadPinnedTemplate } from '@switchyard/workflow-engine';
import type { AgentRunner, WorkflowDefinition, WorkflowExecutor } from '@switchyard/workflow-engine';
import type { AppDatabase } from '../../db/connection.ts';
import { createDatabaseAgentSessionStore, createDatabaseRunStore } from '../../db/DatabaseRunStore.ts';
import { projects, workflowRuns } from '../../db/schema.ts';
import type { EventBus } from '../../websocket/eventBus.ts';
import { projectLayout } from '../project/projectLayout.ts';
import { busEventSink } from './busEventSink.ts';

export interface WorkflowRuntimeOptions {
  db: AppDatabase;
  bus: EventBus;
  agents?: AgentRunner;
  workerId?: string;
  leaseTtlMs?: number;
  controlPollMs?: number;
  retryBaseDelayMs?: number;
}

export interface ProjectRef {
  id: string;
  path: string;
}

export type WorkflowRuntime = ReturnType<typeof createWorkflowRuntime>;

export function createWorkflowRuntime(options: WorkflowRuntimeOptions) {
  const workerId = options.workerId ?? `server-${process.pid}-${randomUUID().slice(0, 8)}`;
  const leaseTtlMs = options.leaseTtlMs ?? Number(process.env.SWITCHYARD_LEASE_TTL_MS ?? 30_000);
  const agents = options.agents ?? createAgentRunner();
  const agentSessions = createDatabaseAgentSessionStore(options.db);
  /** Every project's runs: what the worker pool claims from. */
  const store = createDatabaseRunStore(options.db);
  const executors = new Map<string, WorkflowExecutor>();

  function executorFor(project: ProjectRef): WorkflowExecutor {
    let executor = executors.get(project.id);
    if (!executor) {
      const layout = projectLayout(project.path);
      executor = createExecutor({
        store: createDatabaseRunStore(options.db, { projectId: project.id, executionsDir: layout.executionsDir }),
        events: busEventSink(options, project.id),
        agents,
        agentSessions,
        executionsDir: layout.executionsDir,
        workingDir: layout.dir,
        workerId,
        leaseTtlMs,
        controlPollMs: options.controlPollMs,
        retryBaseDelayMs: options.retryBaseDelayMs,
      });
      executors.set(project.id, executor);
    }
    return executor;
  }

  /** The project a run belongs to. */
  async function projectOfRun(runId: string): Promise<ProjectRef | undefined> {
    const [row] = await options.db
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
    const [row] = await options.db
      .select({ id: projects.id, path: projects.path })
      .from(projects)
      .where(eq(projects.id, definition.project_id));
    if (!row) throw new Error(`project ${definition.project_id} is gone`);
    return row;
  }

  return { workerId, leaseTtlMs, store, executorFor, projectOfRun, projectOfDefinition, pinnedDefinition };
}
