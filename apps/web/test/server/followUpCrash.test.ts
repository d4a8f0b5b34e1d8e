/**
 * Follow-ups across kill -9 of real `switchyard serve` processes, on PGlite and PostgreSQL, with the fake Claude CLI
 * holding its turn open (FAKE_AGENT_HOLD_FILE): a follow-up queued for a running turn is delivered once by the
 * restarted server, and a phase sent back from a gate whose agent step is killed mid-turn resumes that step in its
 * session and waits at the gate again.
 */
import { existsSync } from 'node:fs';
import { rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fakeClaudePath, readFakeAgentLog } from '@switchyard/agent-cli-sdk/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Comment } from '../../src/protocol/comments.ts';
import type { FollowUpResponse } from '../../src/protocol/followUps.ts';
import { killProcesses, startServerProcess } from '../switchyardProcesses.ts';
import { LONG_ASK_TEMPLATE, RELEASE_NOTES_TEMPLATE } from '../agentTemplates.ts';
import { PROCESS_DATABASE_KINDS } from './databases.ts';
import { makeProject, serverClient } from './serverHarness.ts';
import type { RunJson, TestServer } from './serverHarness.ts';

describe.each(PROCESS_DATABASE_KINDS)('follow-ups across kill -9 on $name', (kind) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  async function setUp() {
    const projectDir = await makeProject();
    cleanups.push(() => rm(projectDir, { recursive: true, force: true }));
    const definitions = join(projectDir, '.agent', 'workflows', 'definitions');
    await writeFile(join(definitions, 'ask-long.yaml'), LONG_ASK_TEMPLATE);
    await writeFile(join(definitions, 'release-notes.yaml'), RELEASE_NOTES_TEMPLATE);
    const database = await kind.database();
    cleanups.push(database.drop);
    cleanups.push(killProcesses);
    const argvLog = join(projectDir, 'agent-argv.jsonl');
    const hold = join(projectDir, 'hold');
    const env = {
      SWITCHYARD_LEASE_TTL_MS: '2000',
      SWITCHYARD_CLAUDE_PATH: fakeClaudePath,
      SWITCHYARD_STEP_ENV: 'FAKE_AGENT_*',
      FAKE_AGENT_ARGV_LOG: argvLog,
      FAKE_AGENT_HOLD_FILE: hold,
      ...database.env,
    };
    const serve = async () => {
      const server = await startServerProcess(projectDir, env);
      return { server, api: serverClient(server.url, projectDir) };
    };
    const invocations = () => (existsSync(argvLog) ? readFakeAgentLog(argvLog) : []);
    return { projectDir, hold, serve, invocations };
  }

  async function start(api: TestServer, identifier: string): Promise<string> {
    const created = await api.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await api.definitionId(identifier),
      args: {},
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  /** The step's record once its agent reported its session (journaled: what a resumed step continues). */
  async function sessionOf(api: TestServer, runId: string, stepId: string, not?: string) {
    for (;;) {
      const run = await api.waitForRun(runId, (r) =>
        r.steps.some((s) => s.step_id === stepId && s.status === 'running' && s.id !== not),
      );
      const step = run.steps.find((s) => s.step_id === stepId && s.status === 'running')!;
      const detail = await api.api<{ cli_session_id: string | null }>('GET', `/api/workflow-steps/${step.id}`);
      if (detail.body.cli_session_id) return { step, sessionId: detail.body.cli_session_id };
    }
  }

  it('keeps a follow-up queued for a running turn and delivers it once after the restart', async () => {
    const { hold, serve, invocations } = await setUp();
    const first = await serve();
    const runId = await start(first.api, 'ask-long');
    const { step, sessionId } = await sessionOf(first.api, runId, 'ask');
    const queued = await first.api.api<FollowUpResponse>('POST', `/api/workflow-steps/${step.id}/follow-up`, {
      message: 'Which files did you change?',
    });
    expect(queued).toMatchObject({ status: 202, body: { state: 'queued' } });
    first.server.child.kill('SIGKILL');
    await first.server.exited;

    await writeFile(hold, '');
    const second = await serve();
    const done = await second.api.waitForRun(runId, (r) => ['completed', 'failed'].includes(r.status), 60_000);
    expect(done.status).toBe('completed');
    const calls = invocations();
    const sent = calls.filter((call) => call.argv.at(-1) === 'Which files did you change?');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.argv[sent[0]!.argv.indexOf('--resume') + 1]).toBe(sessionId);
    // The interrupted turn resumed its session first; the follow-up came after it.
    expect(calls.indexOf(sent[0]!)).toBe(calls.length - 1);
    expect(calls.slice(1).every((call) => call.argv.includes('--resume'))).toBe(true);
    const run = await second.api.api<RunJson & { comments: Comment[] }>('GET', `/api/workflow-executions/${runId}`);
    expect(
      run.body.comments.filter((c) => c.dedupe_key?.startsWith('follow-up:ask:')).map((c) => c.dedupe_key),
    ).toEqual(['follow-up:ask:1', 'follow-up:ask:1:reply']);
  }, 180_000);

  it('resumes a step sent back from a gate in its session after the restart, and waits at the gate again', async () => {
    const { hold, serve, invocations } = await setUp();
    await writeFile(hold, '');
    const first = await serve();
    const runId = await start(first.api, 'release-notes');
    const waiting = await first.api.waitForRun(runId, (r) => r.status === 'waiting' || r.status === 'failed');
    expect(waiting).toMatchObject({ status: 'waiting', waiting_gate: 'review' });
    const written = waiting.steps.find((s) => s.step_id === 'write')!;

    await unlink(hold);
    const requested = await first.api.api('POST', `/api/workflow-executions/${runId}/request-changes`, {
      comment: 'Put the upgrade steps first.',
    });
    expect(requested.status).toBe(200);
    const { sessionId } = await sessionOf(first.api, runId, 'write', written.id);
    first.server.child.kill('SIGKILL');
    await first.server.exited;

    await writeFile(hold, '');
    const second = await serve();
    const again = await second.api.waitForRun(
      runId,
      (r) => (r.status === 'waiting' && !r.steps.some((s) => s.id === written.id)) || r.status === 'failed',
      60_000,
    );
    expect(again).toMatchObject({ status: 'waiting', waiting_gate: 'review' });
    const calls = invocations();
    expect(calls).toHaveLength(3);
    const [, changes, resumed] = calls;
    for (const call of [changes!, resumed!]) {
      expect(call.argv[call.argv.indexOf('--resume') + 1]).toBe(sessionId);
      expect(call.argv.at(-1)).toContain('Put the upgrade steps first.');
    }
    expect(resumed!.argv.at(-1)).toContain('Your previous work on this task was interrupted.');
  }, 180_000);
});
