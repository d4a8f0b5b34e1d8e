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
  kind: 'pglite' | 'postgres';
  /** Where it lives, for messages: a directory or a URL without its password. */
  location: string;
  /** Runs `listener` for every NOTIFY on `channel` (PostgreSQL; PGlite has one process, so events stay in it). */
  listen?(channel: string, listener: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…`: use PostgreSQL. */
  url?: string;
  /** PGlite's data directory; without it (and without a url), an in-memory database. */
  dataDir?: string;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.url ? openPostgres(options.url) : openPglite(options.dataDir);
}

async function openPglite(dataDir: string | undefined): Promise<DatabaseHandle> {
  const unlock = dataDir ? await lockDataDir(dataDir) : async () => undefined;
  try {
    const client = dataDir ? new PGlite(dataDir) : new PGlite();
    await client.waitReady;
    const db = drizzlePglite(client, { schema }) as unknown as AppDatabase;
    await migratePglite(db as never, { migrationsFolder: MIGRATIONS_DIR });
    return {
      db,
      kind: 'pglite',
      location: dataDir ?? 'memory',
      async close() {
        await client.close();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

async function openPostgres(url: string): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  try {
    const db = drizzlePg(pool, { schema }) as unknown as AppDatabase;
    await migratePg(db as never, { migrationsFolder: MIGRATIONS_DIR });
  } catch (error) {
    await pool.end();
    throw new Error(`could not open PostgreSQL at ${redact(url)}: ${(error as Error).message}`, { cause: error });
  }
  const db = drizzlePg(pool, { schema }) as unknown as AppDatabase;
  return {
    db,
    kind: 'postgres',
    location: redact(url),
    async listen(channel, listener) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === channel) listener(message.payload ?? '');
      });
      await client.query(`listen "${channel}"`);
      return () => client.end();
    },
    close: () => pool.end(),
  };
}
