/**
 * `switchyard follow-up` through the real command line on the embedded database: the agent step's session (the
 * fake Claude CLI) is continued with the message and the answer printed; a script step is refused. Through a server
 * holding the database: a follow-up to a running step is queued, and `switchyard request-changes` sends the phase
 * before a gate back with a comment.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAgentRunner } from '@switchyard/agent-cli-sdk';
import { fakeClaudePath, readFakeAgentLog } from '@switchyard/agent-cli-sdk/testing';
import { describe, expect, it } from 'vitest';
import { startServer } from '../src/server/serve.ts';
import { RELEASE_NOTES_TEMPLATE } from './agentTemplates.ts';
import { cli, tempProject, until } from './cliHarness.ts';

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

// Each command opens the project's embedded database (a few seconds on a loaded machine).
describe('switchyard follow-up', { timeout: 120_000 }, () => {
  it("continues the agent step's session and prints the answer; a script step is refused", async () => {
    const project = await tempProject({ 'ask-once.yaml': TEMPLATE });
    const env = {
      SWITCHYARD_CLAUDE_PATH: fakeClaudePath,
      FAKE_AGENT_ARGV_LOG: join(project, 'agent-argv.jsonl'),
      SWITCHYARD_STEP_ENV: 'FAKE_AGENT_*',
    };
    const ran = await cli(['run', 'ask-once', '--json'], { cwd: project, env });
    expect(ran.code, ran.stderr).toBe(0);
    const run = JSON.parse(ran.stdout) as { id: string; steps: { id: string; output: { sessionId: string } | null }[] };
    const sessionId = run.steps[1]!.output!.sessionId;

    const answered = await cli(['follow-up', run.id, 'ask', 'What', 'did', 'you', 'do?', '--json'], {
      cwd: project,
      env,
    });
    expect(answered.code, answered.stderr).toBe(0);
    const answer = JSON.parse(answered.stdout) as {
      session_id: string;
      message: { text: string };
      reply: { text: string };
    };
    expect(answer).toMatchObject({ session_id: sessionId, message: { text: 'What did you do?' } });
    const [, followUp] = readFakeAgentLog(env.FAKE_AGENT_ARGV_LOG);
    expect(followUp!.argv[followUp!.argv.indexOf('--resume') + 1]).toBe(sessionId);
    expect(followUp!.argv.at(-1)).toBe('What did you do?');

    const plain = await cli(['follow-up', run.id, 'ask', 'And then?'], { cwd: project, env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(`${answer.reply.text}\n`);

    const refused = await cli(['follow-up', run.id, 'build', 'hello'], { cwd: project, env });
    expect(refused.code).toBe(2); // a conflict: what was asked cannot be done to this step
    expect(refused.stderr).toContain('cannot be sent: it is a script step, not an agent step');
  });
});

describe('switchyard follow-up and request-changes through a server', { timeout: 120_000 }, () => {
  it('say a follow-up to a running step is queued, and send the phase before a gate back', async () => {
    const project = await tempProject({ 'ask-once.yaml': TEMPLATE, 'release-notes.yaml': RELEASE_NOTES_TEMPLATE });
    const argvLog = join(project, 'agent-argv.jsonl');
    const hold = join(project, 'hold');
    // The server's agents get the fake's knobs by name (SWITCHYARD_STEP_ENV), as an operator's variables would.
    Object.assign(process.env, {
      FAKE_AGENT_ARGV_LOG: argvLog,
      FAKE_AGENT_HOLD_FILE: hold,
      SWITCHYARD_STEP_ENV: 'FAKE_AGENT_*',
    });
    const server = await startServer({
      projectDir: project,
      port: 0,
      log: () => undefined,
      runtime: { agents: createAgentRunner({ paths: { claude: fakeClaudePath } }), controlPollMs: 50 },
    });
    try {
      const api = async <T>(method: string, url: string, payload?: object) =>
        (await server.app.inject({ method: method as 'GET', url, ...(payload ? { payload } : {}) })).json<T>();
      const definitions = await api<{ data: { id: string; identifier: string }[] }>('GET', '/api/workflow-definitions');
      const start = (identifier: string) =>
        api<{ id: string }>('POST', '/api/workflow-executions', {
          workflow_definition_id: definitions.data.find((d) => d.identifier === identifier)!.id,
        });
      type Run = { status: string; steps: { id: string; step_id: string; status: string }[] };
      const run = (id: string) => api<Run>('GET', `/api/workflow-executions/${id}`);

      const asking = await start('ask-once');
      await until(
        async () => (await run(asking.id)).steps.some((s) => s.step_id === 'ask' && s.status === 'running'),
        'the ask step to run',
      );
      const queued = await cli(['follow-up', asking.id, 'ask', 'Which', 'files?'], { cwd: project });
      expect(queued.code, queued.stderr).toBe(0);
      expect(queued.stdout).toMatch(
        /^queued: step ask is running; the message is sent when its current turn ends \(follow-up [0-9a-f-]{36}\)\n$/,
      );
      await writeFile(hold, '');
      await until(async () => (await run(asking.id)).status === 'completed', 'the run to complete');
      expect(readFakeAgentLog(argvLog).at(-1)!.argv.at(-1)).toBe('Which files?');

      const notes = await start('release-notes');
      await until(async () => (await run(notes.id)).status === 'waiting', 'the run to wait at its gate');
      const empty = await cli(['request-changes', notes.id], { cwd: project });
      expect(empty.code).toBe(2);
      expect(empty.stderr).toContain('-m <comment> is required');
      const before = readFakeAgentLog(argvLog).length;
      const requested = await cli(['request-changes', notes.id, '-m', 'Shorter, please.'], { cwd: project });
      expect(requested.code, requested.stderr).toBe(3); // waiting at the gate again
      const calls = readFakeAgentLog(argvLog);
      expect(calls).toHaveLength(before + 1);
      expect(calls.at(-1)!.argv).toContain('--resume');
      expect(calls.at(-1)!.argv.at(-1)).toContain('Shorter, please.');
      expect((await run(notes.id)).status).toBe('waiting');
    } finally {
      await server.close();
      for (const name of ['FAKE_AGENT_ARGV_LOG', 'FAKE_AGENT_HOLD_FILE', 'SWITCHYARD_STEP_ENV'])
        delete process.env[name];
    }
  });
});
