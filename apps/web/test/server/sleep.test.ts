/**
 * Durable sleeps through real `switchyard serve` processes on PGlite and PostgreSQL: a sleeping run survives kill -9
 * of its server and is taken up within a second of its wake time by the restarted one, running no completed step
 * again; a thousand sleeping runs (on one of them) hold no process and no worker.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { killProcesses, startServerProcess } from '../switchyardProcesses.ts';
import { PROCESS_DATABASE_KINDS } from './databases.ts';
import type { ProcessDatabaseKind } from './databases.ts';
import { makeProject, serverClient } from './serverHarness.ts';
import type { RunJson } from './serverHarness.ts';

const NAP = `
name: Nap
phases: [work]
args:
  counter: { type: string, required: true }
steps:
  - id: before
    phase: work
    command: ['sh', '-c', 'echo before >> "$0"', '{{ args.counter }}']
  - id: nap
    phase: work
    type: sleep
    duration: 20s
  - id: after
    phase: work
    command: ['sh', '-c', 'echo after >> "$0"', '{{ args.counter }}']
`;

const HOUR = `
name: Hour
phases: [work]
steps:
  - id: nap
    phase: work
    type: sleep
    duration: 1h
`;

const LEASE = { SWITCHYARD_LEASE_TTL_MS: '2000' };

/** The processes whose parent is `pid`, read from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

interface Step {
  step_id: string;
  status: string;
  attempt: number;
  finished_at: string | null;
}

/** A fresh project with the two templates, on a fresh database of `kind`; removed, with its processes, after the test. */
function projects(kind: ProcessDatabaseKind) {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });
  return async function project() {
    const projectDir = await makeProject();
    cleanups.push(() => rm(projectDir, { recursive: true, force: true }));
    const definitions = join(projectDir, '.agent', 'workflows', 'definitions');
    await writeFile(join(definitions, 'nap.yaml'), NAP);
    await writeFile(join(definitions, 'hour.yaml'), HOUR);
    const database = await kind.database();
    cleanups.push(database.drop);
    cleanups.push(killProcesses);
    return { projectDir, database };
  };
}

/** A thousand runs are started and executed once, on PostgreSQL when it is reachable (where leases are counted too). */
const THOUSAND_ON = PROCESS_DATABASE_KINDS.at(-1)!;

describe.each(PROCESS_DATABASE_KINDS)('sleeping runs on $name', (kind) => {
  const project = projects(kind);

  it('survive kill -9 of the server and wake within a second of their time, on the restarted one', async () => {
    const { projectDir, database } = await project();
    const first = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    let api = serverClient(first.url, projectDir);
    const counter = join(projectDir, 'counter.txt');
    const created = await api.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await api.definitionId('nap'),
      args: { counter },
    });
    expect(created.status).toBe(201);
    const runId = created.body.id;
    const waiting = await api.waitForRun(runId, (r) => r.status === 'waiting');
    expect(waiting.wake_at).toEqual(expect.any(String));
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    api = serverClient(second.url, projectDir);
    // The restart took less than the sleep: the run is still waiting, and wakes at its own time.
    expect((await api.api<RunJson>('GET', `/api/workflow-executions/${runId}`)).body).toMatchObject({
      status: 'waiting',
      wake_at: waiting.wake_at,
    });
    const run = await api.waitForRun(runId, (r) => r.status === 'completed' || r.status === 'failed', 60_000);
    expect(run.status).toBe('completed');
    const steps = run.steps as unknown as Step[];
    expect(steps.map((s) => [s.step_id, s.status, s.attempt])).toEqual([
      ['before', 'completed', 1],
      ['nap', 'completed', 1],
      ['after', 'completed', 1],
    ]);
    const late = Date.parse(steps[1]!.finished_at!) - Date.parse(waiting.wake_at as string);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(1_000);
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toEqual(['before', 'after']);
  }, 120_000);
});

describe(`a thousand sleeping runs on ${THOUSAND_ON.name}`, () => {
  const project = projects(THOUSAND_ON);

  it('hold no process and no worker', async () => {
    const { projectDir, database } = await project();
    const server = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    const api = serverClient(server.url, projectDir);
    const definitionId = await api.definitionId('hour');
    const processesBefore = childrenOf(server.child.pid!).length;
    for (let batch = 0; batch < 50; batch++) {
      const created = await Promise.all(
        Array.from({ length: 20 }, () =>
          api.api('POST', '/api/workflow-executions', { workflow_definition_id: definitionId }),
        ),
      );
      expect(created.every((c) => c.status === 201)).toBe(true);
    }
    const count = async (status: string) =>
      (
        await api.api<{ pagination: { total: number } }>(
          'GET',
          `/api/workflow-executions?status=${status}&limit=1&workflow_definition_id=${definitionId}`,
        )
      ).body.pagination.total;
    const deadline = Date.now() + 300_000;
    while ((await count('waiting')) < 1_000) {
      if (Date.now() > deadline) throw new Error(`only ${await count('waiting')} of 1,000 runs went to sleep`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await count('running')).toBe(0);
    expect(await count('pending')).toBe(0);
    // Each sleeping run is a row, nothing more: no step process, no launcher beyond the one it had before.
    expect(childrenOf(server.child.pid!).length).toBeLessThanOrEqual(processesBefore);
    if (database.url) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ held: string; sleeping: string }>(
          `select count(*) filter (where lease_owner is not null) as held,
                  count(*) filter (where wake_at is not null) as sleeping
           from workflow_runs where status = 'waiting'`,
        );
        expect(rows[0]).toEqual({ held: '0', sleeping: '1000' });
      } finally {
        await client.end();
      }
    }
  }, 400_000);
});
