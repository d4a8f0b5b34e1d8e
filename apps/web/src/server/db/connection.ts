/**
 * Opening the database: embedded PGlite in `<project>/.agent/db/` by default, PostgreSQL when a URL is given.
 * The same schema, migrations and queries on both; migrations are applied on open.
 */
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './schema.ts';
import { lockDataDir } from './dataDirLock.ts';

export type AppDatabase = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Rows of a raw SQL query; both drivers answer `{ rows }`, which the shared database type leaves unknown. */
export async function queryRows<T>(db: AppDatabase, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

export interface DatabaseHandle {
  db: AppDatabase;
  /**
   * The same database through connections whose commits do not wait for the disk (PostgreSQL's
   * `synchronous_commit = off`): for writes a crash may lose without harm. On PGlite, `db` itself.
   */
  relaxed: AppDatabase;
  kind: 'pglite' | 'postgres';
  /** Where it lives, for messages: a directory or a URL without its password. */
  location: string;
  /** Runs `listener` for every NOTIFY on `channel` (PostgreSQL; PGlite has one process, so events stay in it). */
  listen?(channel: string, listener: (payload: string) => void): Promise<() => Promise<void>>;
  /** PGlite only: the data directory as a tarball, which `loadDataDir` starts a copy from. */
  dump?(): Promise<Blob>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…`: use PostgreSQL. */
  url?: string;
  /** PGlite's data directory; without it (and without a url), an in-memory database. */
  dataDir?: string;
  /** A PGlite data directory dump to start an in-memory database from (tests clone a migrated one: ~0.8 s, not ~4 s). */
  loadDataDir?: Blob;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.url ? openPostgres(options.url) : openPglite(options.dataDir, options.loadDataDir);
}

async function openPglite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<DatabaseHandle> {
  const unlock = dataDir ? await lockDataDir(dataDir) : async () => undefined;
  try {
    // shared_buffers 16MB instead of PGlite's 128MB: RSS ~270 MB instead of ~400 MB after 20,000 operations, no
    // slower here (docs/RELIABILITY.md). Pages PostgreSQL evicts stay in the OS page cache.
    const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
    const client = new PGlite(dataDir ? { dataDir, startParams } : { loadDataDir, startParams });
    await client.waitReady;
    const db = drizzlePglite(client, { schema }) as unknown as AppDatabase;
    await migratePglite(db as never, { migrationsFolder: MIGRATIONS_DIR });
    return {
      db,
      relaxed: db,
      kind: 'pglite',
      location: dataDir ?? 'memory',
      dump: () => client.dumpDataDir('none'),
      close: once(async () => {
        await client.close();
        await unlock();
      }),
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}

/** Closing twice (a server and the test that gave it the database) is harmless. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** The advisory lock key migrations run under (any constant; this one reads "swyd" in ASCII). */
const MIGRATION_LOCK = 0x73777964;

async function openPostgres(url: string): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection that the server drops (restart, `drop database … with (force)`) is reported here; without
  // a listener the 'error' event would end the process. The pool replaces the connection on the next query.
  pool.on('error', () => undefined);
  try {
    // Servers and workers starting together would race to create the same tables: one migrates at a time.
    const client = await pool.connect();
    try {
      await client.query(`select pg_advisory_lock(${MIGRATION_LOCK})`);
      await migratePg(drizzlePg(client, { schema }) as never, { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await client.query(`select pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw new Error(`could not open PostgreSQL at ${redact(url)}: ${(error as Error).message}`, { cause: error });
  }
  const db = drizzlePg(pool, { schema }) as unknown as AppDatabase;
  const relaxedPool = new pg.Pool({ connectionString: url, max: 4, options: '-c synchronous_commit=off' });
  relaxedPool.on('error', () => undefined);
  return {
    db,
    relaxed: drizzlePg(relaxedPool, { schema }) as unknown as AppDatabase,
    kind: 'postgres',
    location: redact(url),
    async listen(channel, listener) {
      return listenWithReconnect(url, channel, listener);
    },
    close: once(async () => {
      await Promise.all([pool.end(), relaxedPool.end()]);
    }),
  };
}

/**
 * A LISTEN connection that survives the server restarting or dropping it: a lost connection is re-opened with
 * back-off instead of crashing the process on an unhandled 'error'. Notifications sent while it was down are lost,
 * which the WebSocket's resync covers.
 */
async function listenWithReconnect(
  url: string,
  channel: string,
  listener: (payload: string) => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  async function connect(delayMs: number): Promise<void> {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === channel) listener(message.payload ?? '');
    });
    next.on('error', () => reconnect(next, delayMs));
    next.on('end', () => reconnect(next, delayMs));
    await next.connect();
    await next.query(`listen "${channel.replace(/"/g, '""')}"`);
    client = next;
  }

  function reconnect(failed: pg.Client, delayMs: number): void {
    if (closed || client !== failed) return;
    client = undefined;
    failed.end().catch(() => undefined);
    retryTimer = setTimeout(() => {
      connect(Math.min(delayMs * 2, 10_000)).catch(() => reconnect(failed, delayMs * 2));
    }, delayMs);
    retryTimer.unref();
  }

  await connect(250);
  return async () => {
    closed = true;
    if (retryTimer) clearTimeout(retryTimer);
    await client?.end().catch(() => undefined);
  };
}
