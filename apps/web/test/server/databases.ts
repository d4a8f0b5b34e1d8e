/**
 * The databases a server test runs on: embedded PGlite always, PostgreSQL when it is reachable — always under
 * CI=true, where its absence is a failure rather than a skip. Each PostgreSQL fixture is a database of its own.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/server/db/connection.ts';
import type { DatabaseHandle } from '../../src/server/db/connection.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const reachable = await postgresReachable();
if (!reachable && process.env.CI === 'true') {
  throw new Error(`PostgreSQL is required under CI=true but ${TEST_DATABASE_URL} is not reachable`);
}
if (!reachable) {
  console.warn(
    `\n⚠ PostgreSQL at ${TEST_DATABASE_URL} is not reachable: its test suites are SKIPPED (set TEST_DATABASE_URL)\n`,
  );
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

let migratedPgliteDump: Promise<Blob> | undefined;

/** A migrated empty database, dumped once per test file: cloning it is ~5 times faster than creating one. */
function migratedPglite(): Promise<Blob> {
  migratedPgliteDump ??= openDatabase({}).then(async (handle) => {
    const dump = await handle.dump!();
    await handle.close();
    return dump;
  });
  return migratedPgliteDump;
}

export interface DatabaseKind {
  name: 'pglite' | 'postgres';
  open(): Promise<DatabaseHandle & { drop(): Promise<void> }>;
}

export const DATABASE_KINDS: DatabaseKind[] = [
  {
    name: 'pglite',
    async open() {
      const handle = await openDatabase({ loadDataDir: await migratedPglite() });
      return { ...handle, drop: () => handle.close() };
    },
  },
  ...(reachable
    ? [
        {
          name: 'postgres' as const,
          async open() {
            const database = await createPostgresDatabase();
            const handle = await openDatabase({ url: database.url });
            return {
              ...handle,
              async drop() {
                await handle.close();
                await database.drop();
              },
            };
          },
        },
      ]
    : []),
];

/** A fresh, empty PostgreSQL database of its own, for a test that hands a URL to another process. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `switchyard_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`create database ${name}`));
  return {
    url: withDatabase(TEST_DATABASE_URL, name),
    drop: () => admin((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

export const POSTGRES_REACHABLE = reachable;

/** The database a real `switchyard serve` process of a test uses, chosen by its environment (`DATABASE_URL`). */
export interface ProcessDatabaseKind {
  name: 'pglite' | 'postgres';
  /** A fresh database: the environment selecting it (none for the project's own PGlite), its URL, and its drop. */
  database(): Promise<{ url: string | undefined; env: Record<string, string>; drop(): Promise<void> }>;
}

export const PROCESS_DATABASE_KINDS: ProcessDatabaseKind[] = [
  { name: 'pglite', database: async () => ({ url: undefined, env: {}, drop: async () => undefined }) },
  ...(reachable
    ? [
        {
          name: 'postgres' as const,
          async database() {
            const database = await createPostgresDatabase();
            return { url: database.url, env: { DATABASE_URL: database.url }, drop: database.drop };
          },
        },
      ]
    : []),
];
