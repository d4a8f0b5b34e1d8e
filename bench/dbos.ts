/**
 * `peer.dbos.*`: DBOS Transact (`@dbos-inc/dbos-sdk`, a devDependency of the bench only) and Switchyard run the
 * same no-op workload (bench/peers/workload.ts) against the same PostgreSQL server, each in a process of its own,
 * alternating for a few rounds so that a noisy moment of the machine lands on both. The figures are the medians
 * over the rounds; the `switchyard/dbos` ratios divide them (below 1 means Switchyard is faster, except for
 * throughput, where above 1 does). `floor.pg_commit_ms` is what one fsync'd commit costs on that server in the
 * same minute: no durable step can be cheaper.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { postgresSkipped, withFreshPostgres } from './freshDatabase.ts';
import { distribution, ratio, round } from './stats.ts';
import type { Distribution } from './stats.ts';
import type { WorkloadFigures } from './peers/workload.ts';

const ROUNDS = 3;
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const peer = (name: string) => fileURLToPath(new URL(`./peers/${name}.ts`, import.meta.url));

function runPeer(name: string, url: string): Promise<WorkloadFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [peer(name), url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as WorkloadFigures);
      else reject(new Error(`${name} peer exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** One fsync'd commit: an insert into a fresh table, 300 times, one at a time. */
async function commitFloor(url: string): Promise<Distribution> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table floor (id serial primary key, at timestamptz default now())');
    const durations: number[] = [];
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      await client.query('insert into floor default values');
      durations.push(performance.now() - started);
    }
    return distribution(durations.slice(20));
  } finally {
    await client.end();
  }
}

const median = (values: number[]) => round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);

function combine(rounds: WorkloadFigures[]) {
  return {
    step_ms: median(rounds.map((r) => r.step_ms.median)),
    step_p99_ms: median(rounds.map((r) => r.step_ms.p99)),
    workflow_3_steps_ms: median(rounds.map((r) => r.workflow_3_steps_ms.median)),
    workflow_3_steps_p99_ms: median(rounds.map((r) => r.workflow_3_steps_ms.p99)),
    throughput_per_s: median(rounds.map((r) => r.throughput_per_s)),
    rounds,
  };
}

export async function benchPeerDbos(log: (line: string) => void) {
  const skipped = await postgresSkipped();
  if (skipped) return { 'peer.dbos': skipped, 'floor.pg_commit_ms': skipped };
  const dbos: WorkloadFigures[] = [];
  const switchyard: WorkloadFigures[] = [];
  const floors: Distribution[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    log(`peer: round ${round}/${ROUNDS} — DBOS Transact, then Switchyard, then one commit`);
    dbos.push(await withFreshPostgres((url) => runPeer('dbos', url)));
    switchyard.push(await withFreshPostgres((url) => runPeer('switchyard', url)));
    floors.push(await withFreshPostgres(commitFloor));
  }
  const ours = combine(switchyard);
  const theirs = combine(dbos);
  const floor = median(floors.map((f) => f.median));
  return {
    'peer.dbos': {
      workload: 'no-op steps: 300 in one workflow; 100 three-step workflows one at a time; 1,000 with 20 in flight',
      dbos: theirs,
      switchyard: ours,
      'switchyard/dbos': {
        step: ratio(ours.step_ms, theirs.step_ms),
        workflow_3_steps: ratio(ours.workflow_3_steps_ms, theirs.workflow_3_steps_ms),
        throughput: ratio(ours.throughput_per_s, theirs.throughput_per_s),
      },
      switchyard_step_vs_commit_floor: ratio(ours.step_ms, floor),
    },
    'floor.pg_commit_ms': { median: floor, p99: median(floors.map((f) => f.p99)), rounds: floors },
  };
}
