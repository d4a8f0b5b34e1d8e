/**
 * Follow-ups over real HTTP: `POST /api/workflow-steps/:id/follow-up` continues a finished agent step's session
 * (played by the fake Claude CLI, which keeps the session id it is given with --resume), answers with the two
 * comments the exchange became, and the run's detail lists them; a script step, an empty message and an unknown
 * step are refused with the field or the reason.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFakeAgentLog } from '@switchyard/agent-cli-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FollowUpAnswer } from '../../src/protocol/followUps.ts';
import { DATABASE_KINDS } from './databases.ts';
import type { DatabaseKind } from './databases.ts';
import { startTestServer } from './serverHarness.ts';
import type { RunJson, TestServer } from './serverHarness.ts';

const TEMPLATE = `name: Ask once
phases: [work]
steps:
  - id: build
    phase: work
    command: 'true'
  - id: ask
    phase: work
    agent: claude
    prompt: Say hello.
`;

describe.each(DATABASE_KINDS)('follow-ups on $name', (kind: DatabaseKind) => {
  let t: TestServer;
  let argvLog: string;
  beforeAll(async () => {
    t = await startTestServer(kind);
    // The fake CLI logs each invocation's argv; its knob reaches agents by name, as an operator's would.
    argvLog = join(t.projectDir, 'agent-argv.jsonl');
    process.env.FAKE_AGENT_ARGV_LOG = argvLog;
    process.env.SWITCHYARD_STEP_ENV = 'FAKE_AGENT_*';
  }, 60_000);
  afterAll(async () => {
    delete process.env.FAKE_AGENT_ARGV_LOG;
    delete process.env.SWITCHYARD_STEP_ENV;
    await t?.close();
  });

  it('continue the step’s session and are journaled as its comments', { timeout: 60_000 }, async () => {
    await writeFile(join(t.projectDir, '.agent', 'workflows', 'definitions', 'ask-once.yaml'), TEMPLATE);
    let definitionId: string | undefined;
    while (!definitionId) definitionId = await t.definitionId('ask-once').catch(() => undefined);
    const created = await t.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: definitionId,
      args: {},
    });
    expect(created.status).toBe(201);
    const run = await t.waitForRun(created.body.id, (r) => ['completed', 'failed'].includes(r.status));
    expect(run.status).toBe('completed');
    const ask = run.steps.find((step) => step.step_id === 'ask')!;
    const build = run.steps.find((step) => step.step_id === 'build')!;
    const detail = await t.api<{ cli_session_id: string | null }>('GET', `/api/workflow-steps/${ask.id}`);
    const sessionId = detail.body.cli_session_id;
    expect(sessionId).toMatch(/.+/);

    const answered = await t.api<FollowUpAnswer>('POST', `/api/workflow-steps/${ask.id}/follow-up`, {
      message: 'And what did you do?',
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body).toMatchObject({
      session_id: sessionId,
      is_error: false,
      message: {
        workflow_run_id: run.id,
        workflow_run_step_id: ask.id,
        comment_type: 'user',
        text: 'And what did you do?',
        dedupe_key: 'follow-up:ask:1',
      },
      reply: { workflow_run_step_id: ask.id, comment_type: 'agent', dedupe_key: 'follow-up:ask:1:reply' },
    });
    expect(answered.body.reply.text.length).toBeGreaterThan(0);
    const invocations = readFakeAgentLog(argvLog);
    expect(invocations).toHaveLength(2);
    const argv = invocations[1]!.argv;
    expect(argv[argv.indexOf('--resume') + 1]).toBe(sessionId);
    expect(argv.at(-1)).toBe('And what did you do?');
    expect(invocations[1]!.cwd).toBe(invocations[0]!.cwd);

    const after = await t.api<RunJson & { comments: { id: string }[] }>('GET', `/api/workflow-executions/${run.id}`);
    expect(after.body.comments.map((comment) => comment.id)).toEqual(
      expect.arrayContaining([answered.body.message.id, answered.body.reply.id]),
    );
    const events = await fetch(`${t.url}/api/workflow-steps/${ask.id}/logs/events?follow=false`).then((r) => r.text());
    expect(events).toContain('follow-up 1: And what did you do?');

    const script = await t.api<{ error: { code: string; message: string } }>(
      'POST',
      `/api/workflow-steps/${build.id}/follow-up`,
      { message: 'hello' },
    );
    expect(script.status).toBe(409);
    expect(script.body.error).toMatchObject({ code: 'follow_up_refused' });
    expect(script.body.error.message).toContain('it is a script step, not an agent step');

    const empty = await t.api<{ error: { code: string; details: unknown } }>(
      'POST',
      `/api/workflow-steps/${ask.id}/follow-up`,
      { message: '   ' },
    );
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body.error)).toContain('message');

    const unknown = await t.api('POST', `/api/workflow-steps/00000000-0000-4000-8000-000000000000/follow-up`, {
      message: 'hello',
    });
    expect(unknown.status).toBe(404);
  });
});
