/**
 * The signal that wakes the workers of other processes when a run becomes runnable (workers/runnableSignal.ts):
 * a NOTIFY on PostgreSQL that a listener on another connection receives; the calls of one tick send one.
 */
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { onRunnable, RUNNABLE_CHANNEL, runnableSignal } from '../../src/server/workers/runnableSignal.ts';
import { DATABASE_KINDS } from './databases.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const postgres = DATABASE_KINDS.find((kind) => kind.name === 'postgres');

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!postgres)('the runnable signal on PostgreSQL', () => {
  it('reaches a listener on another connection, once for the calls of one tick', async () => {
    const database = await postgres!.open();
    cleanups.push(() => database.drop());
    let woken = 0;
    cleanups.push(await onRunnable(database, () => woken++));

    const signal = runnableSignal(database);
    signal();
    signal();
    signal();
    await until(() => woken >= 1, 'the signal');
    // Notifications arrive in the order they were sent: once a later one is in, no earlier one is still coming.
    await database.db.execute(sql`select pg_notify(${RUNNABLE_CHANNEL}, 'later')`);
    await until(() => woken >= 2, 'the later notification');
    expect(woken).toBe(2);
  });
});
