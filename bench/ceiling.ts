/**
 * `scaling.pg_ceiling_per_s`: what the one PostgreSQL server under every worker sustains, the ceiling that adding
 * worker processes runs into (docs/SCALING.md). For 3 s at each of 1, 4 and 16 connections, as fast as they go:
 * - `commits`: one-row inserts, each its own fsync'd commit (concurrent commits share an fsync: group commit);
 * - `notifies`: `pg_notify` of a 200-byte payload with one listener, each its own transaction (NOTIFY takes a
 *   server-wide lock at commit, so concurrent notifying commits queue behind each other);
 * - `commit_with_notify`: the insert and the notify in one statement — a write that tells the servers itself.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { postgresSkipped, withFreshPostgres } from './freshDatabase.ts';
import { round } from './stats.ts';

const CONNECTIONS = [1, 4, 16];
const SECONDS = 3;
const PAYLOAD = 'x'.repeat(200);

const STATEMENTS = {
  commits: 'insert into ceiling default values',
  notifies: `select pg_notify('bench_ceiling', '${PAYLOAD}')`,
  commit_with_notify: `with written as (insert into ceiling default values returning id)
                       select pg_notify('bench_ceiling', '${PAYLOAD}') from written`,
};

async function rate(url: string, statement: string, connections: number): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  try {
    let done = 0;
    const until = performance.now() + SECONDS * 1000;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < until) {
          await client.query(statement);
          done++;
        }
      }),
    );
    return round(done / SECONDS);
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

export async function benchPostgresCeiling(log: (line: string) => void) {
  const skipped = await postgresSkipped();
  if (skipped) return { 'scaling.pg_ceiling_per_s': skipped };
  return withFreshPostgres(async (url) => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    try {
      await listener.query('create table ceiling (id bigserial primary key, at timestamptz default now())');
      await listener.query('listen bench_ceiling');
      const figures: Record<string, Record<string, number>> = {};
      for (const [name, statement] of Object.entries(STATEMENTS)) {
        figures[name] = {};
        for (const connections of CONNECTIONS) {
          log(`ceiling: ${name} from ${connections} connection(s) for ${SECONDS} s`);
          figures[name][`connections_${connections}`] = await rate(url, statement, connections);
        }
      }
      return { 'scaling.pg_ceiling_per_s': { seconds_each: SECONDS, ...figures } };
    } finally {
      await listener.end();
    }
  });
}
