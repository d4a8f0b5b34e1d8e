/**
 * An agent CLI gets an allowlist of the host's environment, not all of it: what programs need, what its own CLI
 * reads (its API key among them), and names the operator adds — never the server's token.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentRunner } from '../src/runner.ts';
import { pickEnvironment } from '../src/environment.ts';
import { fakeClaudePath, fakeCodexPath, readFakeAgentLog } from './fixtures/index.ts';
import { recordingHooks, useTempDirs } from './helpers.ts';

const tempDir = useTempDirs();
const HOST_ENV = {
  ANTHROPIC_API_KEY: 'sk-ant-test',
  OPENAI_API_KEY: 'sk-openai-test',
  SWITCHYARD_TOKEN: 'server-token',
  SWITCHYARD_TEST_MARKER: 'passed-through',
};
let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
  Object.assign(process.env, HOST_ENV);
});
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

async function loggedEnv(agent: 'claude' | 'codex', runnerEnv: { inheritEnv?: boolean } = {}) {
  const argvLog = path.join(tempDir(), 'argv.jsonl');
  const runner = createAgentRunner({ paths: { claude: fakeClaudePath, codex: fakeCodexPath }, ...runnerEnv });
  const result = await runner.run(
    { agent, prompt: 'Do it.', cwd: tempDir(), env: { FAKE_AGENT_ARGV_LOG: argvLog, FAKE_AGENT_DELAY_MS: '0' } },
    recordingHooks().hooks,
  );
  expect(result.isError).toBe(false);
  return readFakeAgentLog(argvLog)[0]!.env;
}

describe("an agent CLI's environment", () => {
  it("holds its own API key and not the server's token or another CLI's key", async () => {
    expect(await loggedEnv('claude')).toEqual({ ANTHROPIC_API_KEY: 'sk-ant-test' });
    expect(await loggedEnv('codex')).toEqual({ OPENAI_API_KEY: 'sk-openai-test' });
  });

  it('holds the names SWITCHYARD_STEP_ENV adds', async () => {
    process.env.SWITCHYARD_STEP_ENV = 'SWITCHYARD_TEST_MARKER';
    expect(await loggedEnv('claude')).toEqual({
      ANTHROPIC_API_KEY: 'sk-ant-test',
      SWITCHYARD_TEST_MARKER: 'passed-through',
    });
  });

  it('is the whole environment with inheritEnv: true', async () => {
    expect(await loggedEnv('claude', { inheritEnv: true })).toEqual(HOST_ENV);
  });
});

describe('pickEnvironment', () => {
  it('takes exact names and PREFIX_* and nothing else', () => {
    expect(
      pickEnvironment({ PATH: '/bin', LC_ALL: 'C', LC_CTYPE: 'C', LCX: 'no', SECRET: 'no' }, ['PATH', 'LC_*']),
    ).toEqual({ PATH: '/bin', LC_ALL: 'C', LC_CTYPE: 'C' });
  });
});
