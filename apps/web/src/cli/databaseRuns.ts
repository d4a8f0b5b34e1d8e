/**
 * The project's runs in the database, opened by this process: runs execute here, in the foreground. While one
 * does on the embedded database, this process shares the runs through a local API so that other commands can
 * pause, cancel and show them.
 */
import { createExecutor } from '@switchyard/workflow-engine';
import type { WorkflowDefinition, WorkflowExecutor } from '@switchyard/workflow-engine';
import type { DatabaseHandle } from '../server/db/connection.ts';
import { createDatabaseAgentSessionStore, createDatabaseRunStore } from '../server/db/DatabaseRunStore.ts';
import { ensureProject } from '../server/domain/project/services/ensureProject.ts';
import { syncTemplates } from '../server/domain/workflow-definition/services/syncTemplates.ts';
import type { Io } from './command.ts';
import { UsageError } from './errors.ts';
import type { Project } from './project.ts';
import type { ProjectRuns } from './projectRuns.ts';
import { pausingMessage, resumeNeedsRequest } from './runStates.ts';
import { commandLineExecutor, executeInForeground, loadPinnedDefinition, progressWriter } from './runtime.ts';
import type { ExecutionTarget, ForegroundOptions } from './runtime.ts';
import { runView } from './runView.ts';
import { shareRuns } from './sharedApi.ts';
import type { SharedApi } from './sharedApi.ts';

export async function openDatabaseRuns(database: DatabaseHandle, project: Project, io: Io): Promise<ProjectRuns> {
  const { db } = database;
  const projectRow = await ensureProject({ db }, project.dir).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const target: ExecutionTarget = {
    project,
    store: createDatabaseRunStore(db, { projectId: projectRow.id, executionsDir: project.executionsDir }),
    agentSessions: createDatabaseAgentSessionStore(db),
  };
  const control = createExecutor({ store: target.store, executionsDir: project.executionsDir });
  let shared: SharedApi | undefined;
  let executing: { runId: string; executor: WorkflowExecutor; output: ForegroundOptions } | undefined;
  let closing: Promise<void> | undefined;

  /** An executor for this command; on the embedded database, other processes reach its runs through it from now. */
  async function foregroundExecutor(output: ForegroundOptions): Promise<WorkflowExecutor> {
    if (database.kind === 'pglite' && !shared) {
      shared = await shareRuns(database, { id: projectRow.id, dir: project.dir });
      target.events = shared.events;
    }
    return commandLineExecutor(target, io, output);
  }

  async function execute(
    executor: WorkflowExecutor,
    runId: string,
    definition: WorkflowDefinition,
    output: ForegroundOptions,
  ): Promise<number> {
    executing = { runId, executor, output };
    try {
      return await executeInForeground(executor, runId, definition, io, output);
    } finally {
      executing = undefined;
    }
  }

  async function requireRun(runId: string) {
    const run = await target.store.getRun(runId);
    if (!run) throw new UsageError(`no run ${runId} in the project's database (${database.location})`);
    return run;
  }

  return {
    async start(definition, args, name, output) {
      // The run links to its template's row, as one started from the board does.
      await syncTemplates({ db }, { id: projectRow.id, path: projectRow.path });
      const executor = await foregroundExecutor(output);
      const run = await executor.start(definition, args, { name });
      progressWriter(io, output).write(`started run ${run.id} of ${definition.id}\n`);
      return execute(executor, run.id, definition, output);
    },

    async resume(runId, output) {
      const run = await requireRun(runId);
      if (resumeNeedsRequest(runId, run.status, run.waitingGate)) await target.store.resumeRun(runId);
      const definition = await loadPinnedDefinition(project, runId);
      return execute(await foregroundExecutor(output), runId, definition, output);
    },

    async advance(runId, output) {
      const executor = await foregroundExecutor(output);
      await executor.advance(runId);
      return execute(executor, runId, await loadPinnedDefinition(project, runId), output);
    },

    async rerun(runId, phase, output) {
      const definition = await loadPinnedDefinition(project, runId);
      const executor = await foregroundExecutor(output);
      await executor.rerun(runId, phase, definition);
      return execute(executor, runId, definition, output);
    },

    pause: async (runId, now) => (await control.pause(runId, { now })).status,
    cancel: async (runId) => (await control.cancel(runId)).status,
    view: async (runId) => runView(target.store, await requireRun(runId)),

    async list(status) {
      const runs = await target.store.listRuns(status ? { status: [status] } : {});
      return runs.reverse().map((r) => ({
        id: r.id,
        name: r.name,
        template: r.definitionId,
        status: r.status,
        phase: r.currentPhase,
        created_at: r.createdAt,
      }));
    },

    interrupt() {
      if (!executing) return false;
      const { runId, executor, output } = executing;
      progressWriter(io, output).write(pausingMessage(runId));
      void executor.pause(runId, { now: true }).catch(() => undefined);
      return true;
    },

    close() {
      // Ctrl-C may close while the command's own `finally` does too: one close of the database, not two.
      closing ??= (async () => {
        try {
          await shared?.close();
        } finally {
          await database.close();
        }
      })();
      return closing;
    },
  };
}
