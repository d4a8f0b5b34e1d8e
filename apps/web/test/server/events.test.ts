/**
 * Events from outside on a real server, PGlite and PostgreSQL: an event sent to a run before it gets to its wait is
 * kept and taken there; one sent to the project reaches the waiting runs it matches by name and fields, and no
 * other; the run goes on with the event as the step's result; bad bodies are 400s naming the field.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorEnvelope } from '../../src/protocol/common.ts';
import type { SendEventBody, SendRunEventBody } from '../../src/protocol/receivedEvents.ts';
import { EventReceipt } from '../../src/protocol/receivedEvents.ts';
import { DATABASE_KINDS } from './databases.ts';
import { startTestServer } from './serverHarness.ts';
import type { TestServer } from './serverHarness.ts';

const DEPLOY = `
name: Deploy hook
phases: [build, { id: deploy, gate: manual }]
args:
  env: { type: string, required: true }
steps:
  - id: build
    phase: build
    command: 'true'
  - id: deployed
    phase: deploy
    type: event
    event: deploy.finished
    match: { env: '{{ args.env }}' }
  - id: report
    phase: deploy
    command: ['echo', '{{ steps.deployed.output.data.version }}']
`;

interface StepJson {
  step_id: string;
  status: string;
  output: { data: { id: string; name: string; data: Record<string, unknown> } } | null;
}

describe.each(DATABASE_KINDS)('events sent to runs on $name', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
    await writeFile(join(t.projectDir, '.agent', 'workflows', 'definitions', 'deploy-hook.yaml'), DEPLOY);
    const deadline = Date.now() + 20_000;
    while (!(await t.definitionId('deploy-hook').catch(() => null))) {
      if (Date.now() > deadline) throw new Error('deploy-hook.yaml was not synced');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const start = async (env: string) =>
    (
      await t.api<{ id: string }>('POST', '/api/workflow-executions', {
        workflow_definition_id: await t.definitionId('deploy-hook'),
        args: { env },
      })
    ).body.id;
  const stepOf = async (runId: string, stepId: string) =>
    ((await t.api<{ steps: StepJson[] }>('GET', `/api/workflow-executions/${runId}`)).body.steps ?? []).find(
      (s) => s.step_id === stepId,
    );

  /** Approves the run's gate, and waits until it waits for its event. */
  const toTheWait = async (runId: string) => {
    await t.waitForRun(runId, (r) => r.status === 'waiting' && r.waiting_gate === 'deploy');
    expect((await t.api('POST', `/api/workflow-executions/${runId}/advance`, {})).status).toBe(200);
  };

  it('keeps an event sent before the run waits, and the run takes it at its wait', async () => {
    const runId = await start('prod');
    // Held at the gate before its wait: the event is kept, not delivered.
    await t.waitForRun(runId, (r) => r.status === 'waiting' && r.waiting_gate === 'deploy');
    const sent = await t.api('POST', `/api/workflow-executions/${runId}/events`, {
      name: 'deploy.finished',
      data: { env: 'prod', version: 'v7' },
    } satisfies SendRunEventBody);
    expect(sent.status).toBe(202);
    const receipt = EventReceipt.strict().parse(sent.body);
    expect(receipt.delivered_to).toEqual([]);
    await toTheWait(runId);
    const run = await t.waitForRun(runId, (r) => r.status === 'completed' || r.status === 'failed');
    expect(run.status).toBe('completed');
    const deployed = await stepOf(runId, 'deployed');
    expect(deployed?.output?.data).toMatchObject({ id: receipt.id, name: 'deploy.finished', data: { version: 'v7' } });
    expect(((await stepOf(runId, 'report'))?.output?.data as unknown as { stdout: string }).stdout).toBe('v7\n');
  });

  it('delivers an event sent to the project to the waiting runs it matches, and to no other', async () => {
    const prod = await start('prod');
    const staging = await start('staging');
    for (const runId of [prod, staging]) {
      await toTheWait(runId);
      await t.waitForRun(runId, (r) => r.status === 'waiting' && r.steps.some((s) => s.step_id === 'deployed'));
    }
    const sent = await t.api('POST', '/api/events', {
      name: 'deploy.finished',
      data: { env: 'staging', version: 'v8' },
    } satisfies SendEventBody);
    expect(sent.status).toBe(202);
    expect(EventReceipt.strict().parse(sent.body).delivered_to).toEqual([staging]);
    await t.waitForRun(staging, (r) => r.status === 'completed');
    expect((await t.api<{ status: string }>('GET', `/api/workflow-executions/${prod}`)).body.status).toBe('waiting');
    // Another name, the right fields: still nothing for prod.
    await t.api('POST', '/api/events', { name: 'deploy.started', data: { env: 'prod' } });
    expect((await stepOf(prod, 'deployed'))?.status).toBe('running');
  });

  it('refuses a body without a name, and an unknown run, in the error envelope', async () => {
    const missing = await t.api<{ error: { details: { fields: { field: string }[] } } }>('POST', '/api/events', {
      data: {},
    });
    expect(missing.status).toBe(400);
    expect(ErrorEnvelope.parse(missing.body).error.details.fields?.map((f) => f.field)).toEqual(['name']);
    const unknown = await t.api('POST', `/api/workflow-executions/${crypto.randomUUID()}/events`, { name: 'x' });
    expect(unknown.status).toBe(404);
    ErrorEnvelope.parse(unknown.body);
  });
});
