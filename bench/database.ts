/**
 * The two databases the server runs on, opened for the bench as users run them: embedded PGlite in a data directory
 * on disk, and PostgreSQL at TEST_DATABASE_URL in a database created for this invocation and dropped after it. An
 * unreachable PostgreSQL is a skip with a notice on stderr, never a failed bench.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { RunStore } from '@switchyard/workflow-engine';
import { openDatabase } from '../apps/web/src/server/db/connection.ts';
import type { DatabaseHandle } from '../apps/web/src/server/db/connection.ts';
import { createDatabaseRunStore } from '../apps/web/src/server/db/DatabaseRunStore.ts';
import { projects, workflowDefinitions } from '../apps/web/src/server/db/schema.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type DatabaseKind = 'pglite' | 'postgres';

export interface BenchDatabase {
  kind: DatabaseKind;
  handle: DatabaseHandle;
  /** A project row of its own, so that each figure's runs do not sit in another figure's listing. */
  newProject(name: string): Promise<string>;
  /** The server's run store, in a new project: what the engine journals to when the server runs a workflow. */
  runStore(): Promise<RunStore>;
  close(): Promise<void>;
}

export interface Skipped {
  skipped: string;
}

export type BenchDatabases = Record<DatabaseKind, BenchDatabase | Skipped>;

export const isSkipped = (value: object): value is Skipped => 'skipped' in value;

function benchDatabase(kind: DatabaseKind, handle: DatabaseHandle, cleanup: () => Promise<void>): BenchDatabase {
  async function newProject(name: string): Promise<string> {
    const [row] = await handle.db
      .insert(projects)
      .values({ name, path: `/bench/${name}-${randomBytes(4).toString('hex')}` })
      .returning({ id: projects.id });
    return row!.id;
  }
  return {
    kind,
    handle,
    newProject,
    async runStore() {
      const projectId = await newProject('engine');
      // Runs belong to their template's row: the bench's inline template is registered like a synced one.
      await handle.db.insert(workflowDefinitions).values({
        project_id: projectId,
        identifier: 'bench',
        name: 'Bench',
        type: 'code',
        path: '/bench',
        content_hash: 'bench',
      });
      return createDatabaseRunStore(handle.db, { projectId });
    },
    async close() {
      await handle.close();
      await cleanup();
    },
  };
}

async function openPglite(): Promise<BenchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'switchyard-bench-pglite-'));
  const handle = await openDatabase({ dataDir });
  return benchDatabase('pglite', handle, () => rm(dataDir, { recursive: true, force: true }));
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * pg's `pool.end()` resolves before its sockets have closed; a `drop … with (force)` then would terminate them and
 * crash the bench with an unhandled pool 'error'. So the drop waits (up to 5 s) for the pool's connections to go.
 */
async function waitForDisconnects(client: pg.Client, database: string): Promise<void> {
  for (let waited = 0; waited < 5_000; waited += 50) {
    const { rows } = await client.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = $1',
      [database],
    );
    if (rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function openPostgres(): Promise<BenchDatabase> {
  const name = `switchyard_bench_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`create database ${name}`));
  const drop = () =>
    admin(async (client) => {
      await waitForDisconnects(client, name);
      await client.query(`drop database if exists ${name} with (force)`);
    });
  try {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    return benchDatabase('postgres', await openDatabase({ url: url.toString() }), drop);
  } catch (error) {
    await drop();
    throw error;
  }
}

export async function openBenchDatabases(log: (line: string) => void): Promise<BenchDatabases> {
  log('opening PGlite (data directory on disk) and migrating');
  const pglite = await openPglite();
  log(`opening PostgreSQL at ${TEST_DATABASE_URL} (fresh database)`);
  const postgres = await openPostgres().catch((error: Error): Skipped => {
    const reason = `PostgreSQL unavailable: ${error.message}`;
    process.stderr.write(`\n⚠ ${reason} — its figures are SKIPPED (set TEST_DATABASE_URL)\n\n`);
    return { skipped: reason };
  });
  return { pglite, postgres };
}

export async function closeBenchDatabases(databases: BenchDatabases): Promise<void> {
  for (const database of Object.values(databases)) if (!isSkipped(database)) await database.close();
}
