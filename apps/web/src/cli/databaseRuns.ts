/**
 * The project's runs in the database, opened by this process: runs execute here, in the foreground, on the same
 * runtime `switchyard serve` composes. While one does on the embedded database, this process shares the runs
 * through a local API so that other commands can pause, cancel and show them; on PostgreSQL its events reach
 * every server's WebSocket clients.
 */
import { and, eq, isNull, or } from 'drizzle-orm';
import { definitionSnapshot } from '@switchyard/workflow-engine';
import type { WorkflowDefinition } from '@switchyard/workflow-engine';
import { UsageError } from '../errors.ts';
import type { DatabaseHandle } from '../server/db/connection.ts';
import { ensureProject } from '../server/domain/project/services/ensureProject.ts';
import { registerTemplate } from '../server/domain/workflow-definition/services/syncTemplates.ts';
import { forkWorkflowRun } from '../server/domain/workflow/services/forkWorkflowRun.ts';
import { mergeWorkflowRun } from '../server/domain/workflow/services/mergeWorkflowRun.ts';
import { answerInput, waitingInputStep } from '../server/domain/workflow/services/answerInput.ts';
import { parseArgValues } from './argValues.ts';
import { followUpStep } from '../server/domain/workflow-step/services/followUpStep.ts';
import { requestChanges } from '../server/domain/workflow/services/requestChanges.ts';
import { createWorkflowRuntime } from '../server/domain/workflow/workflowRuntime.ts';
import { workflowRunSteps } from '../server/db/schema.ts';
import { bridgeEventBus } from '../server/websocket/crossProcess.ts';
import { createEventBus } from '../server/websocket/memoryEventBus.ts';
import { executeInForeground } from './foreground.ts';
import type { Foreground } from './foreground.ts';
import { progressWriter } from './io.ts';
import type { Io, OutputOptions } from './io.ts';
import type { Project } from './project.ts';
import type { ProjectRuns } from './projectRuns.ts';
import { pausingMessage, resumeNeedsRequest } from './runStates.ts';
import { runViewFromStore } from './runView.ts';
import { shareRuns } from './sharedApi.ts';
import type { SharedApi } from './sharedApi.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function openDatabaseRuns(database: DatabaseHandle, project: Project, io: Io): Promise<ProjectRuns> {
  const { db } = database;
  // On PostgreSQL the events of a run executed here reach the servers' WebSocket clients, as a worker's do.
  const bridge = await bridgeEventBus(createEventBus(), database, { receive: false });
  const { bus } = bridge;
  const logListeners = new Set<(runId: string, message: string) => void>();
  let opened;
  try {
    const projectRow = await ensureProject({ db }, project.dir);
    const runtime = await createWorkflowRuntime({
      database,
      bus,
      // `ctx.log` lines are printed by the command following the run (see `execute`).
      onLog: (runId, message) => logListeners.forEach((listener) => listener(runId, message)),
    });
    opened = { projectRow, runtime };
  } catch (error) {
    await database.close();
    throw error;
  }
  const { projectRow, runtime } = opened;
  const executor = runtime.executorFor({ id: projectRow.id, path: projectRow.path });
  const foreground: Foreground = { executor, bus, projectId: projectRow.id, leaseTtlMs: runtime.leaseTtlMs };
  let shared: SharedApi | undefined;
  let executing: { runId: string; output: OutputOptions } | undefined;
  let closing: Promise<void> | undefined;

  /** On the embedded database, other processes reach this project's runs through this one from now on. */
  async function share(): Promise<void> {
    if (database.kind === 'pglite' && !shared) shared = await shareRuns(database, runtime, projectRow);
  }

  async function execute(runId: string, definition: WorkflowDefinition, output: OutputOptions): Promise<number> {
    executing = { runId, output };
    const log = (id: string, message: string) => {
      if (output.follow && id === runId) progressWriter(io, output).write(`    ${message}\n`);
    };
    logListeners.add(log);
    try {
      return await executeInForeground(foreground, runId, definition, io, output);
    } finally {
      logListeners.delete(log);
      executing = undefined;
    }
  }

  async function requireRun(runId: string) {
    const run = await executor.store.getRun(runId);
    if (!run) throw new UsageError(`no run ${runId} in the project's database (${database.location})`);
    return run;
  }

  const pinned = (runId: string) => runtime.pinnedDefinition(projectRow, runId);

  /** A step of the run by its id in the template or its record's id (the active record, not superseded ones). */
  async function stepRecord(runId: string, step: string): Promise<{ id: string }> {
    await requireRun(runId);
    const [record] = await db
      .select({ id: workflowRunSteps.id })
      .from(workflowRunSteps)
      .where(
        and(
          eq(workflowRunSteps.workflow_run_id, runId),
          isNull(workflowRunSteps.invalidated_at),
          UUID.test(step)
            ? or(eq(workflowRunSteps.id, step), eq(workflowRunSteps.step_id, step))
            : eq(workflowRunSteps.step_id, step),
        ),
      );
    if (!record) throw new UsageError(`run ${runId} has no step ${step}`);
    return record;
  }

  return {
    async start(definition, args, { name, workspace, base }, output) {
      // The run belongs to its template's row, as one started from the board does.
      await registerTemplate({ db }, projectRow, definitionSnapshot(definition));
      await share();
      const run = await executor.start(definition, args, {
        name,
        ...(workspace ? { workspace } : {}),
        ...(base ? { base } : {}),
      });
      progressWriter(io, output).write(`started run ${run.id} of ${definition.id}\n`);
      return execute(run.id, definition, output);
    },

    async resume(runId, output) {
      const run = await requireRun(runId);
      if (resumeNeedsRequest(runId, run.status, run.waitingGate)) await executor.resume(runId);
      const definition = await pinned(runId);
      await share();
      return execute(runId, definition, output);
    },

    async advance(runId, output) {
      await share();
      await executor.advance(runId);
      return execute(runId, await pinned(runId), output);
    },

    async answer(runId, pairs, step, output) {
      const { stepId, request } = await waitingInputStep({ db }, runId, step);
      await share();
      const values = parseArgValues(request.schema, pairs, undefined);
      await answerInput({ db, bus, runtime, wakeWorkers: () => undefined }, runId, { step_id: stepId, values });
      return execute(runId, await pinned(runId), output);
    },

    async rerun(runId, phase, output) {
      const definition = await pinned(runId);
      await share();
      await executor.rerun(runId, phase, definition);
      return execute(runId, definition, output);
    },

    async fork(runId, step, output) {
      const record = await stepRecord(runId, step);
      await share();
      const fork = await forkWorkflowRun({ db, bus, runtime, wakeWorkers: () => undefined }, runId, record.id);
      progressWriter(io, output).write(`forked run ${fork.id} from run ${runId} at step ${step}\n`);
      return execute(fork.id, await pinned(fork.id), output);
    },

    async followUp(runId, step, message) {
      const record = await stepRecord(runId, step);
      return followUpStep({ db, bus, runtime, wakeWorkers: () => undefined }, record.id, message);
    },

    async requestChanges(runId, comment, output) {
      await share();
      await requestChanges({ db, bus, runtime, wakeWorkers: () => undefined }, runId, comment);
      return execute(runId, await pinned(runId), output);
    },

    async merge(runId) {
      const run = await requireRun(runId);
      const { run: _detail, ...merged } = await mergeWorkflowRun(
        { db, bus, runtime, wakeWorkers: () => undefined },
        run.id,
      );
      return merged;
    },

    pause: async (runId, now) => (await executor.pause(runId, { now })).status,
    cancel: async (runId) => (await executor.cancel(runId)).status,
    view: async (runId) => runViewFromStore(executor.store, await requireRun(runId)),

    async list(status) {
      const runs = await executor.store.listRuns(status ? { status: [status] } : {});
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
      const { runId, output } = executing;
      progressWriter(io, output).write(pausingMessage(runId));
      void executor.pause(runId, { now: true }).catch(() => undefined);
      return true;
    },

    close() {
      // Ctrl-C may close while the command's own `finally` does too: one close of the database, not two.
      closing ??= (async () => {
        try {
          await shared?.close();
          await bridge.close();
        } finally {
          await database.close();
        }
      })();
      return closing;
    },
  };
}
