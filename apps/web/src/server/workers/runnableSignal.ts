/**
 * Telling the workers of other processes that a run has become runnable — created, resumed, approved, re-run — so
 * that they claim it now rather than at their next idle poll, up to a second later: a NOTIFY on PostgreSQL, which
 * every `switchyard worker` (and `serve` with workers) LISTENs for. On PGlite there is one process, whose pool is
 * woken directly. The poll stays as the fallback: a signal lost with a connection delays a run, never strands it.
 */
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/connection.ts';

export const RUNNABLE_CHANNEL = 'switchyard_runnable';

/** A function that signals the other processes; the calls of one tick (a burst of starts) send one NOTIFY. */
export function runnableSignal(database: DatabaseHandle): () => void {
  if (database.kind !== 'postgres') return () => undefined;
  let pending: NodeJS.Immediate | undefined;
  return () => {
    pending ??= setImmediate(() => {
      pending = undefined;
      database.db.execute(sql`select pg_notify(${RUNNABLE_CHANNEL}, '')`).catch(() => undefined);
    });
  };
}

/** Calls `wake` whenever another process signals a runnable run; answers how to stop listening. */
export async function onRunnable(database: DatabaseHandle, wake: () => void): Promise<() => Promise<void>> {
  if (!database.listen) return async () => undefined;
  return database.listen(RUNNABLE_CHANNEL, wake);
}
