/**
 * An event step through real `switchyard serve` processes on PGlite and PostgreSQL: a run waiting for an event
 * survives kill -9 of its server; the restarted server delivers a project event to it, and the run goes on with the
 * event as the step's result, running no completed step again.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killProcesses, startServerProcess } from '../switchyardProcesses.ts';
import { PROCESS_DATABASE_KINDS } from './databases.ts';
import { makeProject, serverClient } from './serverHarness.ts';

const HOOK = `
name: Hook
phases: [deploy]
args:
  counter: { type: string, required: true }
steps:
  - id: before
    phase: deploy
    command: ['sh', '-c', 'echo before >> "$0"', '{{ args.counter }}']
  - id: deployed
    phase: deploy
    type: event
    event: deploy.finished
    match: { env: prod }
  - id: after
    phase: deploy
    command: ['sh', '-c', 'echo "after $1" >> "$0"', '{{ args.counter }}', '{{ steps.deployed.output.data.version }}']
`;

const LEASE = { SWITCHYARD_LEASE_TTL_MS: '2000' };

describe.each(PROCESS_DATABASE_KINDS)('an event step on $name', (kind) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  it('waits across kill -9 of its server and goes on with the event the restarted one delivers', async () => {
    const projectDir = await makeProject();
    cleanups.push(() => rm(projectDir, { recursive: true, force: true }));
    await writeFile(join(projectDir, '.agent', 'workflows', 'definitions', 'hook.yaml'), HOOK);
    const database = await kind.database();
    cleanups.push(database.drop);
    cleanups.push(killProcesses);

    const first = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    let api = serverClient(first.url, projectDir);
    const counter = join(projectDir, 'counter.txt');
    const created = await api.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await api.definitionId('hook'),
      args: { counter },
    });
    const runId = created.body.id;
    await api.waitForRun(runId, (r) => r.status === 'waiting');
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    api = serverClient(second.url, projectDir);
    const sent = await api.api<{ delivered_to: string[] }>('POST', '/api/events', {
      name: 'deploy.finished',
      data: { env: 'prod', version: 'v9' },
    });
    expect(sent).toMatchObject({ status: 202, body: { delivered_to: [runId] } });
    const run = await api.waitForRun(runId, (r) => r.status === 'completed' || r.status === 'failed', 30_000);
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => [s.step_id, s.status, s.attempt])).toEqual([
      ['before', 'completed', 1],
      ['deployed', 'completed', 1],
      ['after', 'completed', 1],
    ]);
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toEqual(['before', 'after v9']);
  }, 120_000);
});
