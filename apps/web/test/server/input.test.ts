/**
 * Input steps through real `switchyard serve` processes on PGlite and PostgreSQL: the run waits for a person across
 * kill -9 of its server; `POST /api/workflow-executions/:id/input` refuses an answer that does not fit, naming each
 * field (400, the error envelope), and a run that waits for nothing (409); `switchyard answer --arg` answers it,
 * and the run goes on with the answer as the step's result, running no completed step again.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../cliHarness.ts';
import { killProcesses, startServerProcess } from '../switchyardProcesses.ts';
import { PROCESS_DATABASE_KINDS } from './databases.ts';
import { makeProject, serverClient } from './serverHarness.ts';

const RELEASE = `
name: Release
phases: [build, review]
args:
  counter: { type: string, required: true }
steps:
  - id: build
    phase: build
    command: ['sh', '-c', 'echo build >> "$0"', '{{ args.counter }}']
  - id: decide
    phase: review
    type: input
    prompt: 'Release {{ args.counter }}?'
    fields:
      approve: { type: boolean, required: true, description: Go or no go }
      channel: { type: string, enum: [stable, beta], default: beta }
      note: { type: string }
  - id: ship
    phase: review
    command: ['sh', '-c', 'echo "ship $1 $2" >> "$0"', '{{ args.counter }}', '{{ steps.decide.output.approve }}', '{{ steps.decide.output.channel }}']
`;

const LEASE = { SWITCHYARD_LEASE_TTL_MS: '2000' };

interface ErrorBody {
  error: { code: string; message: string; details: { fields?: { field: string; message: string }[] } };
}

describe.each(PROCESS_DATABASE_KINDS)('input steps on $name', (kind) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  it('wait across kill -9, refuse answers that do not fit by field, and go on with the answer', async () => {
    const projectDir = await makeProject();
    cleanups.push(() => rm(projectDir, { recursive: true, force: true }));
    await writeFile(join(projectDir, '.agent', 'workflows', 'definitions', 'release.yaml'), RELEASE);
    const database = await kind.database();
    cleanups.push(database.drop);
    cleanups.push(killProcesses);

    const first = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    let api = serverClient(first.url, projectDir);
    const counter = join(projectDir, 'counter.txt');
    const created = await api.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await api.definitionId('release'),
      args: { counter },
    });
    const runId = created.body.id;
    const waiting = await api.waitForRun(runId, (r) => r.status === 'waiting');
    expect(waiting).toMatchObject({ waiting_gate: null, wake_at: null });
    const asking = (waiting.steps as unknown as { step_id: string; type: string; status: string; input: unknown }[])[1];
    expect(asking).toMatchObject({
      step_id: 'decide',
      type: 'input',
      status: 'running',
      input: { prompt: `Release ${counter}?`, schema: { required: ['approve'] } },
    });
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    api = serverClient(second.url, projectDir);
    expect((await api.api('GET', `/api/workflow-executions/${runId}`)).body).toMatchObject({ status: 'waiting' });

    const refused = await api.api<ErrorBody>('POST', `/api/workflow-executions/${runId}/input`, {
      values: { channel: 'nightly', colour: 'red' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('input_invalid');
    expect(refused.body.error.details.fields).toEqual([
      { field: 'values.colour', message: 'is not a field of this input (approve, channel, note)' },
      { field: 'values.approve', message: 'is required' },
      { field: 'values.channel', message: 'must be one of "stable", "beta"' },
    ]);
    const wrongType = await api.api<ErrorBody>('POST', `/api/workflow-executions/${runId}/input`, {
      values: { approve: 'yes' },
    });
    expect(wrongType.body.error.details.fields).toEqual([
      { field: 'values.approve', message: 'expected boolean, received string' },
    ]);

    const answered = await cli(['answer', runId, '--arg', 'approve=true', '--arg', 'channel=stable'], {
      cwd: projectDir,
      env: database.env,
    });
    expect(answered.stderr).toBe('');
    expect(answered.code).toBe(0);
    const run = await api.waitForRun(runId, (r) => r.status === 'completed' || r.status === 'failed', 30_000);
    expect(run.status).toBe('completed');
    const decide = (run.steps as unknown as { step_id: string; output: { data: unknown } }[])[1]!;
    expect(decide.output.data).toEqual({ approve: true, channel: 'stable' });
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toEqual(['build', 'ship true stable']);

    const again = await api.api<ErrorBody>('POST', `/api/workflow-executions/${runId}/input`, {
      values: { approve: false },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_waiting_for_input');
  }, 120_000);
});
