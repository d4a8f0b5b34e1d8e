/**
 * Follow-ups to a running agent step and requests for changes at a gate, over real HTTP on PGlite and PostgreSQL.
 * Agent steps are the fake Claude CLI (a real child process that logs its argv and, with FAKE_AGENT_HOLD_FILE, holds
 * its turn open until the file exists).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFakeAgentLog } from '@switchyard/agent-cli-sdk/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Comment } from '../../src/protocol/comments.ts';
import { FollowUpResponse, QueuedFollowUp, QueuedFollowUpList } from '../../src/protocol/followUps.ts';
import { RunDetail } from '../../src/protocol/runs.ts';
import { DATABASE_KINDS } from './databases.ts';
import { LONG_ASK_TEMPLATE } from '../agentTemplates.ts';
import type { DatabaseKind } from './databases.ts';
import { startTestServer } from './serverHarness.ts';
import type { RunJson, TestServer } from './serverHarness.ts';

const NOTES = `name: Release notes
phases:
  - draft
  - id: review
    gate: manual
steps:
  - id: write
    phase: draft
    agent: claude
    prompt: Write the release notes.
  - id: count
    phase: draft
    command: ['sh', '-c', 'echo draft >> drafts.txt']
  - id: publish
    phase: review
    command: 'true'
`;

type RunWithComments = RunJson & { comments: Comment[] };

describe.each(DATABASE_KINDS)('queued follow-ups and requests for changes on $name', (kind: DatabaseKind) => {
  let t: TestServer;
  let argvLog: string;
  let hold: string;
  let n = 0;
  beforeAll(async () => {
    t = await startTestServer(kind);
    const definitions = join(t.projectDir, '.agent', 'workflows', 'definitions');
    await writeFile(join(definitions, 'ask-long.yaml'), LONG_ASK_TEMPLATE);
    await writeFile(join(definitions, 'release-notes.yaml'), NOTES);
    process.env.SWITCHYARD_STEP_ENV = 'FAKE_AGENT_*';
  }, 60_000);
  beforeEach(() => {
    // The fake's knobs reach agents by name, as an operator's would; each test has its own log and hold file.
    n += 1;
    argvLog = join(t.projectDir, `agent-argv-${n}.jsonl`);
    hold = join(t.projectDir, `hold-${n}`);
    process.env.FAKE_AGENT_ARGV_LOG = argvLog;
    process.env.FAKE_AGENT_HOLD_FILE = hold;
  });
  afterAll(async () => {
    for (const name of ['FAKE_AGENT_ARGV_LOG', 'FAKE_AGENT_HOLD_FILE', 'SWITCHYARD_STEP_ENV']) delete process.env[name];
    await t?.close();
  });

  async function start(identifier: string): Promise<string> {
    let definitionId: string | undefined;
    while (!definitionId) definitionId = await t.definitionId(identifier).catch(() => undefined);
    const created = await t.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: definitionId,
      args: {},
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }
  const invocations = () => (existsSync(argvLog) ? readFakeAgentLog(argvLog) : []);

  it('to a running step are queued (202), cancelled while queued, and sent in its session when the turn ends', async () => {
    const runId = await start('ask-long');
    const running = await t.waitForRun(runId, (r) =>
      r.steps.some((s) => s.step_id === 'ask' && s.status === 'running'),
    );
    const ask = running.steps.find((s) => s.step_id === 'ask')!;
    const followUp = (message: string) =>
      t.api<FollowUpResponse>('POST', `/api/workflow-steps/${ask.id}/follow-up`, { message });

    const first = await followUp('Also list the files you read.');
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    // Every answer is what the protocol says it is.
    FollowUpResponse.parse(first.body);
    expect(first.body).toMatchObject({
      state: 'queued',
      follow_up: { step_id: 'ask', kind: 'message', message: 'Also list the files you read.', state: 'queued' },
    });
    const second = await followUp('Forget that.');
    expect(second.status).toBe(202);
    const secondId = (second.body as { follow_up: QueuedFollowUp }).follow_up.id;
    const listed = await t.api<QueuedFollowUpList>('GET', `/api/workflow-executions/${runId}/follow-ups`);
    QueuedFollowUpList.parse(listed.body);
    expect(listed.body.data.map((f) => f.message)).toEqual(['Also list the files you read.', 'Forget that.']);

    const cancelled = await t.api<QueuedFollowUp>('POST', `/api/workflow-follow-ups/${secondId}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, body: { id: secondId, state: 'cancelled' } });
    QueuedFollowUp.parse(cancelled.body);
    const again = await t.api<{ error: { code: string; message: string } }>(
      'POST',
      `/api/workflow-follow-ups/${secondId}/cancel`,
    );
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'follow_up_not_queued' });
    expect(again.body.error.message).toContain('it is cancelled, no longer queued');
    const unknown = await t.api('POST', '/api/workflow-follow-ups/00000000-0000-4000-8000-000000000000/cancel');
    expect(unknown.status).toBe(404);

    await writeFile(hold, '');
    const done = await t.waitForRun(runId, (r) => ['completed', 'failed'].includes(r.status));
    expect(done.status).toBe('completed');
    const calls = invocations();
    expect(calls).toHaveLength(2);
    const detail = await t.api<{ cli_session_id: string }>('GET', `/api/workflow-steps/${ask.id}`);
    expect(calls[1]!.argv[calls[1]!.argv.indexOf('--resume') + 1]).toBe(detail.body.cli_session_id);
    expect(calls[1]!.argv.at(-1)).toBe('Also list the files you read.');

    const after = await t.api<RunWithComments>('GET', `/api/workflow-executions/${runId}`);
    const exchange = after.body.comments.filter((c) => c.dedupe_key?.startsWith('follow-up:ask:'));
    expect(exchange.map((c) => [c.dedupe_key, c.comment_type, c.workflow_run_step_id])).toEqual([
      ['follow-up:ask:1', 'user', ask.id],
      ['follow-up:ask:1:reply', 'agent', ask.id],
    ]);
    expect(exchange[1]!.text).toBe('Hello from the fake Anthropic API.');
    const log = await fetch(`${t.url}/api/workflow-steps/${ask.id}/logs/events?follow=false`).then((r) => r.text());
    expect(log).toContain('follow-up 1: Also list the files you read.');
    expect(log).not.toContain('Forget that.');
    const empty = await t.api<QueuedFollowUpList>('GET', `/api/workflow-executions/${runId}/follow-ups`);
    expect(empty.body.data).toEqual([]);
  });

  it('at a gate re-run the phase before it, its agent step continuing its session with the comment', async () => {
    await writeFile(hold, '');
    const runId = await start('release-notes');
    const waiting = await t.waitForRun(runId, (r) => r.status === 'waiting' || r.status === 'failed');
    expect(waiting).toMatchObject({ status: 'waiting', waiting_gate: 'review' });
    const write = waiting.steps.find((s) => s.step_id === 'write')!;
    const session = (await t.api<{ cli_session_id: string }>('GET', `/api/workflow-steps/${write.id}`)).body
      .cli_session_id;

    const empty = await t.api<{ error: { details: unknown } }>(
      'POST',
      `/api/workflow-executions/${runId}/request-changes`,
      { comment: ' ' },
    );
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body.error)).toContain('comment');

    const requested = await t.api<RunJson>('POST', `/api/workflow-executions/${runId}/request-changes`, {
      comment: 'Mention the breaking change first.',
    });
    expect(requested.status, JSON.stringify(requested.body)).toBe(200);
    RunDetail.parse(requested.body);
    const again = await t.waitForRun(
      runId,
      (r) =>
        (r.status === 'waiting' && r.steps.some((s) => s.step_id === 'write' && s.id !== write.id)) ||
        r.status === 'failed',
    );
    expect(again).toMatchObject({ status: 'waiting', waiting_gate: 'review' });
    const calls = invocations();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.argv[calls[1]!.argv.indexOf('--resume') + 1]).toBe(session);
    expect(calls[1]!.argv.at(-1)).toContain('Mention the breaking change first.');
    expect((await readFile(join(t.projectDir, 'drafts.txt'), 'utf8')).trim().split('\n')).toEqual(['draft', 'draft']);
    const rewritten = again.steps.find((s) => s.step_id === 'write')!;
    const detail = await t.api<{ cli_session_id: string; status: string }>(
      'GET',
      `/api/workflow-steps/${rewritten.id}`,
    );
    expect(detail.body).toMatchObject({ cli_session_id: session, status: 'completed' });
    const run = await t.api<RunWithComments>('GET', `/api/workflow-executions/${runId}`);
    expect(run.body.comments.map((c) => [c.text, c.workflow_run_step_id, c.comment_type])).toContainEqual([
      'Mention the breaking change first.',
      null,
      'user',
    ]);

    const advanced = await t.api<RunJson>('POST', `/api/workflow-executions/${runId}/advance`);
    expect(advanced.status).toBe(200);
    expect((await t.waitForRun(runId, (r) => ['completed', 'failed'].includes(r.status))).status).toBe('completed');
    const refused = await t.api<{ error: { code: string; message: string } }>(
      'POST',
      `/api/workflow-executions/${runId}/request-changes`,
      { comment: 'More.' },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'changes_refused' });
    expect(refused.body.error.message).toContain('it waits at no gate (it is completed)');
  });
});
