/**
 * Secrets over real HTTP and WebSocket: a run whose step declares an `env` value and a YAML `secrets:` name prints
 * both, and no answer of the API (the run, its steps and their four logs, the board, the history) nor any
 * WebSocket frame holds either — save the pinned template source, which holds what the template file says; the
 * step's environment holds neither the server's token nor its other variables.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DATABASE_KINDS } from './databases.ts';
import { startTestServer } from './serverHarness.ts';
import type { RunJson, TestServer } from './serverHarness.ts';

const INLINE = 'supersecret123';
const FROM_ENV = 'hunter2-read-by-name';
const TOKEN = 'the-servers-own-token';

const TEMPLATE = `name: Secretive
phases: [work]
secrets: [SWITCHYARD_FAULT_SECRET]
steps:
  - id: leak
    phase: work
    env:
      API_TOKEN: ${INLINE}
    command: 'echo "token $API_TOKEN named $SWITCHYARD_FAULT_SECRET"; echo "$API_TOKEN" >&2; env'
`;

describe('secrets through the API', () => {
  let t: TestServer;
  beforeAll(async () => {
    process.env.SWITCHYARD_FAULT_SECRET = FROM_ENV;
    process.env.SWITCHYARD_TOKEN = TOKEN;
    t = await startTestServer(DATABASE_KINDS[0]!);
  });
  afterAll(async () => {
    delete process.env.SWITCHYARD_FAULT_SECRET;
    delete process.env.SWITCHYARD_TOKEN;
    await t.close();
  });

  it('are *** in every answer and frame, and the step never sees the server token', async () => {
    await writeFile(join(t.projectDir, '.agent', 'workflows', 'definitions', 'secretive.yaml'), TEMPLATE);
    let definitionId: string | undefined;
    while (!definitionId) definitionId = await t.definitionId('secretive').catch(() => undefined);
    const projectId = (await t.api<{ data: { id: string }[] }>('GET', '/api/projects')).body.data[0]!.id;

    const frames: string[] = [];
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/ws`);
    socket.on('message', (raw) => frames.push(String(raw)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'subscribe', project_id: projectId }));

    const created = await t.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: definitionId,
      args: {},
    });
    expect(created.status).toBe(201);
    const run = await t.waitForRun(created.body.id, (r) => ['completed', 'failed'].includes(r.status));
    expect(run.status).toBe('completed');
    while (!frames.some((frame) => frame.includes('"completed"') && frame.includes('status_changed'))) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    socket.close();

    const answers: unknown[] = [run, frames];
    const step = run.steps[0]!;
    for (const type of ['input', 'output', 'events', 'summary']) {
      const response = await fetch(`${t.url}/api/workflow-steps/${step.id}/logs/${type}`);
      expect(response.status).toBe(200);
      answers.push(await response.text());
    }
    for (const path of [
      `/api/workflow-steps/${step.id}`,
      `/api/workflow-executions?project_id=${projectId}`,
      `/api/board?project_id=${projectId}`,
    ]) {
      answers.push((await t.api('GET', path)).body);
    }
    // The history's pinned template source is the template file as written: a value written inline there is part
    // of it (and of the definitions folder), which is why secrets are better named (`secrets:`, `secret()`).
    const history = await t.api<{ source: { text: string } }>('GET', `/api/workflow-executions/${run.id}/history`);
    const { source, ...rest } = history.body;
    expect(source.text).toContain(`API_TOKEN: ${INLINE}`);
    answers.push(rest);
    const everything = JSON.stringify(answers);
    expect(everything).not.toContain(INLINE);
    expect(everything).not.toContain(FROM_ENV);
    expect(everything).not.toContain(TOKEN);
    const stdout = (run.steps[0] as RunJson['steps'][number] & { output: { data: { stdout: string } } }).output.data
      .stdout;
    expect(stdout).toContain('token *** named ***');
    expect(stdout).not.toContain('SWITCHYARD_TOKEN=');
  });
});
