/**
 * `npm run bench`: prints one JSON document of figures and saves it under bench/results/. Latencies are median
 * and p99; comparisons are ratios measured in this same invocation, because these machines are shared and noisy.
 * Progress goes to stderr, so stdout is the JSON alone.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchBoardQuery } from './api.ts';
import { closeBenchDatabases, openBenchDatabases } from './database.ts';
import { benchPeerDbos } from './dbos.ts';
import { benchEngine } from './engine.ts';
import { benchUi } from './ui.ts';
import { benchAgentSdk } from '../packages/agent-cli-sdk/bench.ts';

const started = Date.now();
const log = (line: string) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);

const databases = await openBenchDatabases(log);
let databaseFigures;
try {
  databaseFigures = { ...(await benchEngine(databases, log)), ...(await benchBoardQuery(databases, log)) };
} finally {
  await closeBenchDatabases(databases);
}
log('agent SDK: parsing, spawn overhead');
const results = {
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
  started_at: new Date(started).toISOString(),
  ...databaseFigures,
  ...(await benchAgentSdk().then((agent) => ({
    'agent.parse_events_per_s': agent.parse_events_per_s,
    'agent.spawn_overhead_ms': agent.spawn_overhead_ms,
  }))),
  ...(await benchUi(log)),
  ...(await benchPeerDbos(log)),
  took_s: 0,
};
results.took_s = Math.round((Date.now() - started) / 1000);
const json = JSON.stringify(results, null, 2);
process.stdout.write(`${json}\n`);
const dir = join(import.meta.dirname, 'results');
await mkdir(dir, { recursive: true });
await writeFile(join(dir, `${results.started_at.replace(/[:.]/g, '-')}.json`), json);
