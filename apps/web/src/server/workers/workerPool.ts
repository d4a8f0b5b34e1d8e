/**
 * The in-process workers of `switchyard serve`: claim runnable runs from the database —
 * new, resumed, approved, sleeping past their wake time, or left `running` by a process that died (its lease
 * expired) — and execute them by
 * replay, up to `concurrency` at a time. A claim is `FOR UPDATE SKIP LOCKED` with a fenced lease, so a run never
 * runs in two workers at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaimedRun } from '@switchyard/workflow-engine';
import type { WorkflowRuntime } from '../domain/workflow/workflowRuntime.ts';

/** How long a shutdown lets running steps go on before it stops them (`--shutdown-grace`). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 3_000;

/**
 * The shortest idle wait: a sleeping run whose time has come but that no claim got (another worker is taking it up)
 * is looked at again this soon, not in a tight loop.
 */
const MIN_IDLE_MS = 25;

export interface WorkerPoolOptions {
  concurrency?: number;
  /** How often an idle pool looks for work it was not told about (another process's runs, expired leases). */
  idlePollMs?: number;
  onError?: (error: unknown, runId?: string) => void;
}

export interface WorkerPool {
  /** Look for work now (a run was created, resumed or approved here). */
  wake(): void;
  /** Runs executing here now. */
  readonly active: number;
  /**
   * Stops claiming; the runs executing here stop at their next step boundary, and those whose step is still
   * running after `graceMs` are stopped there. Their leases are given back and nothing else is written, so the next
   * process resumes them by replay: none is left paused or failed by a shutdown.
   */
  stop(graceMs?: number): Promise<void>;
}

export function startWorkerPool(runtime: WorkflowRuntime, options: WorkerPoolOptions = {}): WorkerPool {
  const concurrency = options.concurrency ?? 4;
  const idlePollMs = options.idlePollMs ?? 1_000;
  const onError = options.onError ?? ((error, runId) => console.error(`worker: run ${runId ?? '-'}:`, error));
  const running = new Set<Promise<void>>();
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let wakeRequested = false;

  async function executeClaimed({ run, lease, previousStatus }: ClaimedRun): Promise<void> {
    const project = await runtime.projectOfRun(run.id);
    if (!project) return;
    // The engine loads the pinned template, and fails the run (visibly, with its event) if it cannot.
    await runtime
      .executorFor(project)
      .execute(run.id, () => runtime.pinnedDefinition(project, run.id), { lease, run, previousStatus });
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      if (running.size >= concurrency) {
        await Promise.race(running);
        continue;
      }
      let claimed;
      try {
        claimed = await runtime.store.claimNextRun(runtime.workerId, runtime.leaseTtlMs);
      } catch (error) {
        onError(error);
      }
      if (claimed) {
        const runId = claimed.run.id;
        const task = executeClaimed(claimed)
          .catch((error: unknown) => onError(error, runId))
          .finally(() => {
            running.delete(task);
            // The run may have gone to sleep: the idle wait is measured to the soonest wake time again.
            wakeRequested = true;
            wakeUp?.();
          });
        running.add(task);
        continue;
      }
      if (wakeRequested) {
        wakeRequested = false;
        continue;
      }
      // Not longer than to the soonest sleeping run's wake time, so it is taken up at its time, not a poll later.
      const wakeAt = await runtime.store.nextWakeAt().catch(() => undefined);
      const idleMs =
        wakeAt === undefined ? idlePollMs : Math.max(MIN_IDLE_MS, Math.min(idlePollMs, wakeAt - Date.now()));
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        void sleep(idleMs).then(resolve);
      });
      wakeUp = undefined;
    }
  }

  const looping = loop();

  return {
    wake() {
      wakeRequested = true;
      wakeUp?.();
    },
    get active() {
      return running.size;
    },
    async stop(graceMs = DEFAULT_SHUTDOWN_GRACE_MS) {
      stopped = true;
      wakeUp?.();
      await looping;
      runtime.shutdown('boundary');
      const settled = Promise.allSettled([...running]);
      const timer = new AbortController();
      await Promise.race([settled, sleep(graceMs, undefined, { signal: timer.signal }).catch(() => undefined)]);
      timer.abort();
      runtime.shutdown('now');
      await settled;
    },
  };
}
