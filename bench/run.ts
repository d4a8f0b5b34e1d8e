/**
 * `npm run bench`: prints one JSON document of figures and saves it under bench/results/. Latencies are median
 * and p99; comparisons are ratios measured in this same invocation, because these machines are shared and noisy.
 * Progress goes to stderr, so stdout is the JSON alone. `npm run bench -- runs cli` runs only the suites named.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchBoardQuery } from './api.ts';
import { benchPostgresCeiling } from './ceiling.ts';
import { benchCli } from './cli.ts';
import { closeBenchDatabases, openBenchDatabases } from './database.ts';
import type { BenchDatabases } from './database.ts';
import { benchPeerDbos } from './dbos.ts';
import { benchEngine } from './engine.ts';
import { benchGit } from './git.ts';
import { benchRecovery } from './recovery.ts';
import { benchRuns } from './runs.ts';
import { benchUi } from './ui.ts';
import { benchWebSocketFanout } from './ws.ts';
import { benchAgentSdk } from '../packages/agent-cli-sdk/bench.ts';

type Log = (line: string) => void;
type Figures = Record<string, unknown>;

const started = Date.now();
const log: Log = (line) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);

/** The suites that share the two databases opened for this invocation (bench/database.ts), in order. */
const DATABASE_SUITES: Record<string, (databases: BenchDatabases, log: Log) => Promise<Figures>> = {
  engine: benchEngine,
  api: benchBoardQuery,
};

/** The suites that start what they need themselves (processes, databases of their own), in order. */
const SUITES: Record<string, (log: Log) => Promise<Figures>> = {
  agent: async (log) => {
    log('agent SDK: parsing, spawn overhead');
    const agent = await benchAgentSdk();
    return { 'agent.parse_events_per_s': agent.parse_events_per_s, 'agent.spawn_overhead_ms': agent.spawn_overhead_ms };
  },
  ui: benchUi,
  dbos: benchPeerDbos,
  runs: benchRuns,
  ceiling: benchPostgresCeiling,
  ws: benchWebSocketFanout,
  recovery: benchRecovery,
  cli: benchCli,
  git: benchGit,
};

const only = process.argv.slice(2);
const unknown = only.filter((name) => !(name in DATABASE_SUITES) && !(name in SUITES));
if (unknown.length > 0) {
  throw new Error(
    `no bench suite ${unknown.join(', ')}: the suites are ${Object.keys({ ...DATABASE_SUITES, ...SUITES }).join(', ')}`,
  );
}
const selected = (name: string) => only.length === 0 || only.includes(name);

const figures: Figures = {};
if (Object.keys(DATABASE_SUITES).some(selected)) {
  const databases = await openBenchDatabases(log);
  try {
    for (const [name, suite] of Object.entries(DATABASE_SUITES))
      if (selected(name)) Object.assign(figures, await suite(databases, log));
  } finally {
    await closeBenchDatabases(databases);
  }
}
for (const [name, suite] of Object.entries(SUITES)) if (selected(name)) Object.assign(figures, await suite(log));

const results = {
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
  started_at: new Date(started).toISOString(),
  ...figures,
  took_s: 0,
};
results.took_s = Math.round((Date.now() - started) / 1000);
const json = JSON.stringify(results, null, 2);
process.stdout.write(`${json}\n`);
const dir = join(import.meta.dirname, 'results');
await mkdir(dir, { recursive: true });
await writeFile(join(dir, `${results.started_at.replace(/[:.]/g, '-')}.json`), json);
