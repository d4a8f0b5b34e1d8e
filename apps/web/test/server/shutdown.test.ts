/**
 * SIGTERM to `switchyard serve`: it stops claiming, lets a running step reach its boundary within the grace
 * period, stops a step still running after it, and exits. The run is left as it was — running, its lease given
 * back — for the next server to resume by replay; nothing the stopped step started is left behind.
 */
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/server/db/connection.ts';
import { workflowRuns } from '../../src/server/db/schema.ts';
import { projectLayout } from '../../src/server/domain/project/projectLayout.ts';
import { projectWith, startServerProcess } from './serverProcess.ts';
import type { ServerProcess } from './serverProcess.ts';

const TEMPLATE = `name: Two steps
phases: [work]
args:
  dir: { type: string, required: true }
steps:
  - id: one
    phase: work
    command: "echo one >> '{{ args.dir }}/ran'; while [ ! -e '{{ args.dir }}/go' ]; do sleep 0.05; done"
  - id: two
    phase: work
    command: "echo two >> '{{ args.dir }}/ran'; setsid sleep 1005 > /dev/null 2>&1 & echo $! > '{{ args.dir }}/two.pid'; sleep 1000"
`;

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const text = (file: string) => readFile(file, 'utf8').catch(() => '');

describe('a server sent SIGTERM', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });
  const start = async (projectDir: string, graceMs: number): Promise<ServerProcess> => {
    const server = await startServerProcess(projectDir, { args: ['--shutdown-grace-ms', String(graceMs)] });
    cleanups.push(async () => server.child.kill('SIGKILL'));
    return server;
  };

  it('lets the running step finish, stops before the next, stops a step past the grace, and leaves the run to resume', async () => {
    const projectDir = await projectWith({ 'two-steps.yaml': TEMPLATE });
    cleanups.push(() => rm(projectDir, { recursive: true, force: true }));
    const ran = join(projectDir, 'ran');

    // A step still running when SIGTERM comes finishes within the grace, and the run stops at that boundary.
    const first = await start(projectDir, 60_000);
    const created = await first.api.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await first.api.definitionId('two-steps'),
      args: { dir: projectDir },
    });
    expect(created.status).toBe(201);
    const runId = created.body.id;
    await waitFor(async () => (await text(ran)) === 'one\n', 'step one to start');
    first.child.kill('SIGTERM');
    await waitFor(() => first.output().includes('stopping'), 'the server to begin stopping');
    await writeFile(join(projectDir, 'go'), '');
    expect(await first.exited).toBe(0);
    expect(await text(ran)).toBe('one\n');

    // A step past the grace is stopped, with what it started in a session of its own.
    const second = await start(projectDir, 0);
    await waitFor(async () => (await text(join(projectDir, 'two.pid'))).endsWith('\n'), 'step two to start');
    const daemon = Number(await text(join(projectDir, 'two.pid')));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(await text(ran)).toBe('one\ntwo\n');
    await waitFor(() => !isAlive(daemon), `step two's daemon ${daemon} to be gone`);

    // Neither paused nor failed: running, with no lease, for the next process.
    const database = await openDatabase({ dataDir: projectLayout(projectDir).databaseDir });
    const [row] = await database.db
      .select({ status: workflowRuns.status, lease_owner: workflowRuns.lease_owner })
      .from(workflowRuns)
      .where(eq(workflowRuns.id, runId));
    await database.close();
    expect(row).toEqual({ status: 'running', lease_owner: null });

    // The next server resumes it by replay: step one is not run again, step two is.
    const third = await start(projectDir, 0);
    await waitFor(async () => (await text(ran)) === 'one\ntwo\ntwo\n', 'step two to run again');
    const run = await third.api.api<{ status: string }>('POST', `/api/workflow-executions/${runId}/cancel`, {});
    expect(run.status).toBe(200);
    await third.api.waitForRun(runId, (r) => r.status === 'cancelled');
  }, 120_000);
});
