/**
 * A step's log files, `<project>/.agent/workflows/executions/<runId>/logs/<step id>/`. The path is built only from
 * the database row (a uuid run id and a slug step id), never from anything the client sent. `events.jsonl` of a
 * running step can be followed like `tail -f` until the step finishes.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { ExecutionFiles } from '@switchyard/workflow-engine';
import type { StepLogType } from '@switchyard/workflow-engine';
import { STEP_LOG_TYPES } from '../../../../protocol/runs.ts';
import type { AppDatabase } from '../../../db/connection.ts';
import { projects, workflowRuns, workflowRunSteps } from '../../../db/schema.ts';
import { NotFoundError } from '../../../../errors.ts';
import { projectLayout } from '../../project/projectLayout.ts';

// The API's log types are the engine's files, one for one.
STEP_LOG_TYPES satisfies readonly StepLogType[];

export const STEP_LOG_CONTENT_TYPES: Record<StepLogType, string> = {
  input: 'application/json; charset=utf-8',
  output: 'application/json; charset=utf-8',
  events: 'application/x-ndjson; charset=utf-8',
  summary: 'text/markdown; charset=utf-8',
};

const STEP_ID = /^[A-Za-z0-9_][\w-]*$/;
const CHUNK_BYTES = 64 * 1024;

interface Deps {
  db: AppDatabase;
}

export interface ReadStepLogOptions {
  /** Follow `events` while the step runs (default true); ignored for the other types. */
  follow?: boolean;
  /** Aborted when the client goes away: following stops at once. */
  signal?: AbortSignal;
  /** How often the file is checked for new bytes (default 100 ms). */
  filePollMs?: number;
  /** How often the step's status is re-read (default 500 ms). */
  statusPollMs?: number;
  /**
   * Called once, the first time following waits with nothing new to send: the HTTP edge flushes its headers
   * there, since Node holds them back until the first body byte and a client would otherwise see no response.
   */
  onFirstWait?: () => void;
}

export interface StepLogBody {
  contentType: string;
  body: Readable;
  /** Known for a finished file; absent while following. */
  length?: number;
  following: boolean;
}

/**
 * Opens one log of a step. A missing file is a 404 `log_not_found`, except for the events of a running step being
 * followed: the file may not exist yet, and the stream waits for it.
 */
export async function readStepLog(
  deps: Deps,
  stepRowId: string,
  type: StepLogType,
  options: ReadStepLogOptions = {},
): Promise<StepLogBody> {
  const { file, status } = await locateStepLog(deps, stepRowId, type);
  const contentType = STEP_LOG_CONTENT_TYPES[type];
  if (type === 'events' && options.follow !== false && status === 'running') {
    const destroyed = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, destroyed.signal]) : destroyed.signal;
    const isRunning = async () => (await stepStatus(deps, stepRowId)) === 'running';
    const chunks = followFile(file, isRunning, signal, {
      filePollMs: options.filePollMs ?? 100,
      statusPollMs: options.statusPollMs ?? 500,
      onFirstWait: options.onFirstWait ?? (() => undefined),
    });
    return { contentType, body: readableOf(chunks, () => destroyed.abort()), following: true };
  }
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new NotFoundError(`${type} log`, stepRowId, {
      field: 'type',
      code: 'log_not_found',
      message: `step ${stepRowId} has no ${type} log yet`,
      details: { field: 'type', type, step_id: stepRowId },
    });
  }
  try {
    const { size } = await handle.stat();
    return { contentType, body: handle.createReadStream(), length: size, following: false };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function locateStepLog(deps: Deps, stepRowId: string, type: StepLogType) {
  const [row] = await deps.db
    .select({
      stepId: workflowRunSteps.step_id,
      status: workflowRunSteps.status,
      runId: workflowRuns.id,
      projectPath: projects.path,
    })
    .from(workflowRunSteps)
    .innerJoin(workflowRuns, eq(workflowRuns.id, workflowRunSteps.workflow_run_id))
    .innerJoin(projects, eq(projects.id, workflowRuns.project_id))
    .where(eq(workflowRunSteps.id, stepRowId));
  if (!row) throw new NotFoundError('workflow step', stepRowId);
  // The engine validates step ids as slugs; checked again because this one is about to become a path.
  if (!STEP_ID.test(row.stepId))
    throw new Error(`step ${stepRowId} has an unsafe step id ${JSON.stringify(row.stepId)}`);
  const file = new ExecutionFiles(projectLayout(row.projectPath).executionsDir, row.runId).logPath(row.stepId, type);
  return { file, status: row.status };
}

async function stepStatus(deps: Deps, stepRowId: string): Promise<string | undefined> {
  const [row] = await deps.db
    .select({ status: workflowRunSteps.status })
    .from(workflowRunSteps)
    .where(eq(workflowRunSteps.id, stepRowId));
  return row?.status;
}

/**
 * Yields the file's bytes as it grows while `isRunning()` says so, then whatever was appended before the step
 * finished, then ends. Stops as soon as `signal` aborts.
 */
async function* followFile(
  file: string,
  isRunning: () => Promise<boolean>,
  signal: AbortSignal,
  timing: { filePollMs: number; statusPollMs: number; onFirstWait: () => void },
): AsyncGenerator<Buffer> {
  const { filePollMs, statusPollMs } = timing;
  let onFirstWait: (() => void) | undefined = timing.onFirstWait;
  let position = 0;
  let running = true;
  let checkedAt = Date.now();
  while (!signal.aborted) {
    for await (const chunk of readFrom(file, position)) {
      position += chunk.length;
      yield chunk;
    }
    if (!running) return;
    if (Date.now() - checkedAt >= statusPollMs) {
      running = await isRunning();
      checkedAt = Date.now();
      // The writer appends its last events before it marks the step finished: one more read sends them.
      if (!running) continue;
    }
    onFirstWait?.();
    onFirstWait = undefined;
    try {
      await sleep(filePollMs, undefined, { signal });
    } catch {
      return;
    }
  }
}

/**
 * A byte stream over `chunks`. Unlike `Readable.from`, whose destroy only returns the generator at its next
 * yield (for a quiet log, maybe never), destroying this one aborts the generator's wait first.
 */
function readableOf(chunks: AsyncGenerator<Buffer>, abort: () => void): Readable {
  return new Readable({
    read() {
      chunks.next().then(
        (next) => this.push(next.done ? null : next.value),
        (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    },
    destroy(error, callback) {
      abort();
      chunks.return(undefined).then(() => callback(error), callback);
    },
  });
}

/** The bytes from `position` to the current end of the file; nothing if it does not exist yet. */
async function* readFrom(file: string, position: number): AsyncGenerator<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    let offset = position;
    for (;;) {
      const buffer = Buffer.alloc(CHUNK_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
