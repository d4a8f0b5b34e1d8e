/**
 * The real Claude Code CLI (the pinned devDependency) driven by the runner against a local fake Messages API, with
 * the offline recipe from shared/reference/agent-cli-offline-notes.md.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentRunner } from '../src/runner.ts';
import type { AgentRunner, AgentRunRequest } from '../src/types.ts';
import { startFakeAnthropicApi } from './fake-anthropic-api.ts';
import type { FakeAnthropicApi } from './fake-anthropic-api.ts';
import { eventsOfType, recordingHooks } from './helpers.ts';

const claudeBin = fileURLToPath(new URL('../../../node_modules/.bin/claude', import.meta.url));

const claudeInstalled = existsSync(claudeBin);
if (!claudeInstalled) {
  const message = `the real Claude Code CLI is not installed at ${claudeBin} (npm install brings it as a devDependency)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n⚠ ${message}: its tests are SKIPPED\n`);
}

describe.skipIf(!claudeInstalled)('the real Claude Code CLI against a fake Messages API', () => {
  let api: FakeAnthropicApi;
  let runner: AgentRunner;
  let root: string;
  let home: string;
  let cwd: string;

  beforeAll(async () => {
    api = await startFakeAnthropicApi();
    root = mkdtempSync(path.join(tmpdir(), 'claude-real-'));
    home = path.join(root, 'home');
    cwd = path.join(root, 'cwd');
    mkdirSync(home);
    mkdirSync(cwd);
    runner = createAgentRunner({
      paths: { claude: claudeBin },
      // Only what the CLI needs: a developer's own ANTHROPIC_* settings must not leak into the test.
      inheritEnv: false,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ANTHROPIC_BASE_URL: api.baseUrl,
        ANTHROPIC_API_KEY: 'dummy',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_AUTOUPDATER: '1',
      },
      claude: { maxRetries: 0, apiTimeoutMs: 20_000 },
      idleTimeoutMs: 25_000,
    });
  });

  afterAll(async () => {
    await api?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const request = (prompt: string, extra: Partial<AgentRunRequest> = {}): AgentRunRequest => ({
    agent: 'claude',
    prompt,
    cwd,
    home,
    ...extra,
  });

  it('returns a plain answer with its session id, even for a prompt that starts with a dash', async () => {
    const { hooks, sessions } = recordingHooks();
    const prompt = '- SCN_TEXT Say hello.';
    const result = await runner.run(request(prompt), hooks);
    expect(JSON.stringify(api.requests.at(-1)!.messages[0])).toContain(JSON.stringify(prompt));
    expect(result.errorMessage).toBeUndefined();
    expect(result).toMatchObject({ isError: false, text: 'Hello from the fake Anthropic API.', numTurns: 1 });
    expect(result.usage).toMatchObject({ input: 42, output: 17 });
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sessions).toEqual([result.sessionId]);
  });

  let toolSessionId = '';

  it('runs a real Bash tool call in the step cwd', async () => {
    const { hooks, events } = recordingHooks();
    const result = await runner.run(request('SCN_TOOL Create made-by-bash.txt.', { allowedTools: ['Bash'] }), hooks);
    expect(result.errorMessage).toBeUndefined();
    expect(result).toMatchObject({ isError: false, text: 'Done: made-by-bash.txt is created.', numTurns: 2 });
    expect(existsSync(path.join(cwd, 'made-by-bash.txt'))).toBe(true);
    expect(eventsOfType(events, 'tool.call')).toEqual([
      { type: 'tool.call', id: 'toolu_fake01', name: 'Bash', input: { command: 'touch made-by-bash.txt' } },
    ]);
    expect(eventsOfType(events, 'tool.result')).toMatchObject([{ id: 'toolu_fake01', isError: false }]);
    // Two API messages, the first split over two lines: usage counted once per message.
    expect(eventsOfType(events, 'usage').at(-1)).toMatchObject({ usage: { input: 84 }, turns: 2 });
    toolSessionId = result.sessionId!;
  });

  it('resumes that session and re-sends the earlier turns', async () => {
    expect(toolSessionId).not.toBe('');
    const before = api.requests.length;
    const { hooks, sessions } = recordingHooks();
    const result = await runner.run(
      request('SCN_RESUME What did you do before?', { resumeSessionId: toolSessionId, allowedTools: ['Bash'] }),
      hooks,
    );
    expect(result.errorMessage).toBeUndefined();
    expect(result.isError).toBe(false);
    expect(result.sessionId).toBe(toolSessionId);
    expect(sessions).toEqual([toolSessionId]);
    const [resumed] = api.requests.slice(before);
    const sent = JSON.stringify(resumed!.messages);
    expect(sent).toContain('SCN_TOOL Create made-by-bash.txt.');
    expect(sent).toContain('"tool_use_id":"toolu_fake01"');
    expect(sent).toContain('Done: made-by-bash.txt is created.');
    expect(result.text).toBe(`Resumed reply: I can see ${resumed!.messages.length} messages.`);
  });
});
