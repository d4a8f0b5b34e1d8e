/**
 * `switchyard follow-up` through the real command line on the embedded database: the agent step's session (the
 * fake Claude CLI) is continued with the message and the answer printed; a script step is refused.
 */
import { join } from 'node:path';
import { fakeClaudePath, readFakeAgentLog } from '@switchyard/agent-cli-sdk/testing';
import { describe, expect, it } from 'vitest';
import { cli, tempProject } from './cliHarness.ts';

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
