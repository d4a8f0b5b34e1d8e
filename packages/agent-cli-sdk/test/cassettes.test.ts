import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentModeFromEnv, cassetteFile, withCassettes } from '../src/cassettes.ts';
import { AgentCassetteInvalidError, AgentCassetteMissingError, AgentModeError } from '../src/errors.ts';
import { createAgentRunner } from '../src/runner.ts';
import type { AgentRunner, AgentRunRequest } from '../src/types.ts';
import { fakeClaudePath, readFakeAgentLog } from './fixtures/index.ts';
import { recordingHooks, useTempDirs } from './helpers.ts';

const tempDir = useTempDirs();

function setup() {
  const dir = tempDir('cassettes-');
  const argvLog = path.join(dir, 'argv.jsonl');
  // The fake's knobs go in the runner's env: the request's own variables are the step's, redacted in cassettes.
  const live = createAgentRunner({
    paths: { claude: fakeClaudePath },
    env: { FAKE_AGENT_SCENARIO: 'tool', FAKE_AGENT_ARGV_LOG: argvLog },
  });
  const request = (prompt: string, extra: Partial<AgentRunRequest> = {}): AgentRunRequest => ({
    agent: 'claude',
    prompt,
    cwd: dir,
    origin: { template: 'fix-bug', step: 'diagnose' },
    ...extra,
  });
  const cassettes = path.join(dir, 'cassettes');
  const recorder = withCassettes(live, { mode: 'record', dir: cassettes });
  // A replayer whose live runner would fail loudly: replay must never fall through to a CLI.
  const player: AgentRunner = withCassettes(
    { run: () => Promise.reject(new Error('the live runner was called')) },
    { mode: 'replay', dir: cassettes },
  );
  return { dir, argvLog, request, cassettes, recorder, player };
}

describe('recorded agents', () => {
  it('record writes the stream and result under <template>/<step>-<prompt hash>; replay plays them without a CLI', async () => {
    const { argvLog, request, cassettes, recorder, player } = setup();
    const live = recordingHooks();
    const recorded = await recorder.run(request('Diagnose the crash.'), live.hooks);
    expect(recorded.isError).toBe(false);
    const file = cassetteFile(cassettes, { template: 'fix-bug', step: 'diagnose' }, 'Diagnose the crash.');
    expect(path.relative(cassettes, file)).toMatch(/^fix-bug\/diagnose-[0-9a-f]{16}\.jsonl$/);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ cassette: 1, template: 'fix-bug', step: 'diagnose', agent: 'claude' });
    expect(lines.at(-1)).toEqual({ result: JSON.parse(JSON.stringify(recorded)) });
    expect(lines.slice(1, -1).map((line) => line.event)).toEqual(live.events);

    const replayed = recordingHooks();
    const result = await player.run(request('Diagnose the crash.'), replayed.hooks);
    expect(result).toEqual(JSON.parse(JSON.stringify(recorded)));
    expect(replayed.events).toEqual(live.events);
    // The session id reaches the caller right after its event, before the rest of the stream, as from a CLI.
    expect(replayed.log).toEqual(live.log);
    expect(replayed.sessions).toEqual([recorded.sessionId]);
    expect(readFakeAgentLog(argvLog)).toHaveLength(1);
  });

  it('replay of a prompt that was not recorded fails naming the step and the file', async () => {
    const { request, cassettes, recorder, player } = setup();
    await recorder.run(request('Diagnose the crash.'), recordingHooks().hooks);
    const error = await player
      .run(request('Diagnose the other crash.'), recordingHooks().hooks)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentCassetteMissingError);
    expect((error as AgentCassetteMissingError).code).toBe('agent_cassette_missing');
    expect((error as Error).message).toContain('no recorded agent for step "diagnose" of template "fix-bug"');
    expect((error as Error).message).toContain(path.join(cassettes, 'fix-bug', 'diagnose-'));
  });

  it("redacts the step's declared variables from what it writes, but not what the engine tells every step", async () => {
    const { request, cassettes, recorder } = setup();
    const secret = 'sk-cassette-secret-42';
    await recorder.run(
      request(`Use the key ${secret}.`, { env: { API_KEY: secret, SWITCHYARD_STEP_ID: 'diagnose' } }),
      recordingHooks().hooks,
    );
    const [file] = readdirSync(path.join(cassettes, 'fix-bug'));
    const text = readFileSync(path.join(cassettes, 'fix-bug', file!), 'utf8');
    expect(text).not.toContain(secret);
    expect(text).toContain('Use the key ***.');
    expect(JSON.parse(text.split('\n')[0]!)).toMatchObject({ step: 'diagnose' });
  });

  it('a request without origin is run but not recorded, and is never replayed', async () => {
    const { request, cassettes, recorder, player } = setup();
    const result = await recorder.run(request('Anything.', { origin: undefined }), recordingHooks().hooks);
    expect(result.isError).toBe(false);
    expect(existsSync(cassettes)).toBe(false);
    await expect(player.run(request('Anything.', { origin: undefined }), recordingHooks().hooks)).rejects.toThrow(
      AgentCassetteMissingError,
    );
  });

  it('a damaged cassette is refused with its file and line', async () => {
    const { request, cassettes, recorder, player } = setup();
    await recorder.run(request('Diagnose the crash.'), recordingHooks().hooks);
    const file = cassetteFile(cassettes, { template: 'fix-bug', step: 'diagnose' }, 'Diagnose the crash.');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [...lines.slice(0, 2), '{"event": 42}', ...lines.slice(2)].join('\n'));
    const error = await player.run(request('Diagnose the crash.'), recordingHooks().hooks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentCassetteInvalidError);
    expect((error as Error).message).toMatch(
      new RegExp(`^${file.replace(/[.]/g, '\\.')}:3: not a valid agent cassette line`),
    );
  });

  it('SWITCHYARD_AGENTS is live, record or replay', () => {
    expect(agentModeFromEnv({})).toBe('live');
    expect(agentModeFromEnv({ SWITCHYARD_AGENTS: 'replay' })).toBe('replay');
    expect(() => agentModeFromEnv({ SWITCHYARD_AGENTS: 'replaay' })).toThrow(AgentModeError);
  });
});
