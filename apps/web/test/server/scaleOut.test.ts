/**
 * Scale-out on one PostgreSQL: three `switchyard worker` processes and two `switchyard serve --no-workers`
 * processes run workflows of five function steps started through both servers' APIs, and one worker is killed
 * with SIGKILL in the middle. Every step's side effect is counted (the template appends a ledger line per
 * execution), and a WebSocket client on each server records every event.
 *
 * `npm test` runs 100 workflows (~15 s on two idle cores); `npm run test:scale` runs the full 300 (~50 s on two
 * busy ones), with SWITCHYARD_SCALE_RUNS.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { killProcesses, startServerProcess, startWorkerProcess } from '../processes.ts';
import type { ServerProcess, SwitchyardProcess } from '../processes.ts';
import { createPostgresDatabase, POSTGRES_REACHABLE } from './databases.ts';

const RUNS = Number(process.env.SWITCHYARD_SCALE_RUNS ?? 100);
const STEPS = ['one', 'two', 'three', 'four', 'five'];
const WORKERS = 3;
const LEASE_TTL_MS = 2_000;
const TEMPLATE = fileURLToPath(new URL('../fixtures/templates/five-steps.ts', import.meta.url));

interface Frame {
  id?: number;
  type: string;
  data?: { execution_id?: string; step_id?: string; status?: string };
}

interface LedgerLine {
  run: string;
  step: string;
  pid: number;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A WebSocket client subscribed to the project on `server`, recording every frame. */
async function subscribe(server: ServerProcess, projectId: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
  cleanups.push(async () => socket.close());
  socket.on('message', (raw) => frames.push(JSON.parse(String(raw)) as Frame));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'subscribe', project_id: projectId }));
  await until(() => frames.some((f) => f.type === 'subscribed'), `the subscription on ${server.url}`, 10_000);
  return frames;
}

async function api<T>(server: ServerProcess, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function readLedger(file: string): Promise<LedgerLine[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [run, step, pid] = line.split(' ');
      return { run: run!, step: step!, pid: Number(pid) };
    });
}

/** What a client sees of one run: its events, in arrival order, as `type step/status`. */
function eventsByRun(frames: Frame[]): Map<string, string[]> {
  const byRun = new Map<string, string[]>();
  for (const frame of frames) {
    const run = frame.data?.execution_id;
    if (frame.id === undefined || !run) continue;
    const detail = frame.type.endsWith('status_changed') ? frame.data!.status : (frame.data!.step_id ?? '');
    byRun.set(run, [...(byRun.get(run) ?? []), `${frame.type.replace('workflow.', '')} ${detail}`]);
  }
  return byRun;
}

describe.skipIf(!POSTGRES_REACHABLE)(`${WORKERS} workers and 2 servers on one PostgreSQL`, () => {
  it(`run ${RUNS} workflows of 5 steps: every step once, every event once and in order on each server, a killed worker's runs finished by the others`, async () => {
    const database = await createPostgresDatabase();
    cleanups.push(database.drop);
    cleanups.push(killProcesses);
    const projectDir = await mkdtemp(join(tmpdir(), 'switchyard-scale-'));
    cleanups.push(() => rm(projectDir, { recursive: true, force: true }));
    const definitions = join(projectDir, '.agent', 'workflows', 'definitions');
    await mkdir(definitions, { recursive: true });
    await copyFile(TEMPLATE, join(definitions, 'five-steps.ts'));
    const ledger = join(projectDir, 'ledger.txt');
    await writeFile(ledger, '');
    const env = { DATABASE_URL: database.url, SWITCHYARD_LEASE_TTL_MS: String(LEASE_TTL_MS) };

    const servers = await Promise.all([0, 1].map(() => startServerProcess(projectDir, env, ['--no-workers'])));
    const projects = await api<{ data: { id: string }[] }>(servers[0]!, 'GET', '/api/projects');
    const projectId = projects.data[0]!.id;
    const clients = await Promise.all(servers.map((server) => subscribe(server, projectId)));
    const definitionsOnServer = await api<{ data: { id: string; identifier: string }[] }>(
      servers[0]!,
      'GET',
      '/api/workflow-definitions',
    );
    const definitionId = definitionsOnServer.data.find((d) => d.identifier === 'five-steps')!.id;

    // Started through both servers, ten at a time, before any worker runs: the workers then compete for all of them.
    const runIds: string[] = [];
    for (let batch = 0; batch < RUNS; batch += 10) {
      const created = await Promise.all(
        Array.from({ length: Math.min(10, RUNS - batch) }, (_, i) =>
          api<{ id: string }>(servers[(batch + i) % 2]!, 'POST', '/api/workflow-executions', {
            workflow_definition_id: definitionId,
            args: { ledger, step_ms: 20 },
          }),
        ),
      );
      runIds.push(...created.map((run) => run.id));
    }

    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    const workers: SwitchyardProcess[] = await Promise.all(
      Array.from({ length: WORKERS }, () => startWorkerProcess(env, ['--concurrency', '4'])),
    );
    const pids = workers.map((worker) => worker.child.pid!);

    // Killed a third of the way through, while it is executing runs.
    const victim = workers[0]!;
    await until(
      async () => {
        const lines = await readLedger(ledger);
        return lines.length >= (RUNS * STEPS.length) / 3 && lines.slice(-8).some((l) => l.pid === pids[0]);
      },
      'a third of the steps, the first worker among those running',
      120_000,
    );
    victim.child.kill('SIGKILL');
    await victim.exited;
    const held = await admin.query<{ id: string }>(
      `select id from workflow_runs where lease_owner like $1 and status = 'running'`,
      [`worker-${pids[0]}-%`],
    );

    await until(
      async () => {
        const { rows } = await admin.query<{ n: number }>(
          `select count(*)::int as n from workflow_runs where status = 'completed'`,
        );
        return rows[0]!.n === RUNS || undefined;
      },
      `all ${RUNS} runs to complete`,
      300_000,
    );
    // A run the killed worker completed has its last events only if they left before it died (see below).
    const lines = await readLedger(ledger);
    const lastExecutor = (run: string, step: string) => lines.findLast((l) => l.run === run && l.step === step)?.pid;
    const heldRuns = new Set(held.rows.map((r) => r.id));
    // The runs the killed worker held were finished by the others; so were those it never executed a step of.
    const finishedBySurvivor = runIds.filter((run) => heldRuns.has(run) || lastExecutor(run, 'five') !== pids[0]);
    await until(
      () =>
        clients.every((frames) => {
          const byRun = eventsByRun(frames);
          return finishedBySurvivor.every((run) => byRun.get(run)?.at(-1) === 'execution.status_changed completed');
        }) || undefined,
      'the last completion event of every run on both servers',
      60_000,
    );

    // Every step ran, once — or twice when the killed worker was running it: its second run is by a survivor.
    expect(heldRuns.size).toBeGreaterThan(0);
    const rerun: string[] = [];
    for (const run of runIds) {
      const ofRun = lines.filter((l) => l.run === run);
      for (const step of STEPS) {
        const executions = ofRun.filter((l) => l.step === step);
        if (executions.length === 1) continue;
        rerun.push(`${run} ${step}`);
        expect(executions.map((l) => l.pid === pids[0])).toEqual([true, false]);
        // The step the kill interrupted was the killed worker's last one in this run, and the run was held by it.
        expect(ofRun.filter((l) => l.pid === pids[0]).at(-1)).toEqual(executions[0]);
        expect(heldRuns.has(run)).toBe(true);
      }
      expect(new Set(ofRun.map((l) => l.step))).toEqual(new Set(STEPS));
    }
    expect(rerun.length).toBeLessThanOrEqual(heldRuns.size);
    expect(lines).toHaveLength(RUNS * STEPS.length + rerun.length);
    // Each worker did its share (none was idle while the others worked).
    for (const pid of pids) expect(lines.some((l) => l.pid === pid)).toBe(true);

    // The journal holds one completed record per step.
    const { rows: records } = await admin.query<{ n: number }>(
      `select count(*)::int as n from workflow_run_steps where status = 'completed'`,
    );
    expect(records[0]!.n).toBe(RUNS * STEPS.length);

    // On each server every run's events arrived once each, in the order the run produced them. Events leave a
    // process after the commit they describe (websocket/crossProcess.ts), so those the killed worker had committed
    // and not yet sent are lost with it: of the steps it completed, an event may be missing, never doubled.
    const expected = [
      'execution.status_changed pending',
      'execution.status_changed running',
      'execution.phase_changed ',
      ...STEPS.flatMap((step) => [`step.started ${step}`, `step.completed ${step}`]),
      'execution.status_changed completed',
    ];
    const touched = new Set([...heldRuns, ...lines.filter((l) => l.pid === pids[0]).map((l) => l.run)]);
    for (const frames of clients) {
      const ids = frames.filter((f) => f.id !== undefined).map((f) => f.id!);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      const byRun = eventsByRun(frames);
      expect([...byRun.keys()].sort()).toEqual([...runIds].sort());
      for (const run of runIds) {
        const events = byRun.get(run)!;
        if (!touched.has(run)) {
          expect(events, `events of run ${run}`).toEqual(expected);
          continue;
        }
        for (const step of STEPS) {
          const completions = events.filter((e) => e === `step.completed ${step}`).length;
          if (lastExecutor(run, step) === pids[0]) expect(completions, `run ${run} ${step}`).toBeLessThanOrEqual(1);
          else expect(completions, `run ${run} ${step}`).toBe(1);
        }
        const completedAt = STEPS.map((step) => events.indexOf(`step.completed ${step}`)).filter((at) => at >= 0);
        expect(completedAt).toEqual([...completedAt].sort((a, b) => a - b));
        const finished = events.filter((e) => e === 'execution.status_changed completed');
        if (finishedBySurvivor.includes(run)) expect(finished, `run ${run}`).toHaveLength(1);
        else expect(finished.length, `run ${run}`).toBeLessThanOrEqual(1);
        if (finished.length) expect(events.at(-1)).toBe('execution.status_changed completed');
      }
    }
  }, 420_000);
});
