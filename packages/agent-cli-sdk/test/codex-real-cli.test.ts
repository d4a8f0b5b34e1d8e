/**
 * The real Codex CLI (the pinned devDependency) driven by the runner against a loopback fake of the Responses API,
 * with the offline recipe from shared/reference/agent-cli-offline-notes.md.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentRunner } from '../src/runner.ts';
import type { AgentRunner, AgentRunRequest } from '../src/types.ts';
import { startFakeOpenAiApi } from './fixtures/fake-openai-api.ts';
import type { FakeOpenAiApi } from './fixtures/fake-openai-api.ts';
import { codexOffline, realCliInstalled, realCliPaths } from './fixtures/offline-clis.ts';
import { eventsOfType, recordingHooks } from './helpers.ts';

describe.skipIf(!realCliInstalled('codex'))('the real Codex CLI against a fake Responses API', () => {
  let api: FakeOpenAiApi;
  let runner: AgentRunner;
  let root: string;
  let home: string;
  let cwd: string;

  beforeAll(async () => {
    api = await startFakeOpenAiApi();
    root = mkdtempSync(path.join(tmpdir(), 'codex-real-'));
    home = path.join(root, 'home');
    cwd = path.join(root, 'cwd');
    mkdirSync(cwd);
    runner = createAgentRunner({
      paths: { codex: realCliPaths.codex },
      inheritEnv: false,
      env: codexOffline(home, api.baseUrl),
      idleTimeoutMs: 25_000,
    });
  });

  afterAll(async () => {
    await api?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const request = (prompt: string, extra: Partial<AgentRunRequest> = {}): AgentRunRequest => ({
    agent: 'codex',
    prompt,
    cwd,
    home,
    ...extra,
  });

  it('returns a plain answer with its thread id, even for a prompt that starts with a dash', async () => {
    const { hooks, sessions } = recordingHooks();
    const prompt = '- SCN_TEXT Say hello.';
    const result = await runner.run(request(prompt), hooks);
    expect(result.errorMessage).toBeUndefined();
    expect(result).toMatchObject({
      isError: false,
      text: 'Hello from the fake OpenAI Responses API.',
      numTurns: 1,
      usage: { input: 42, output: 17 },
      costUsd: null,
    });
    expect(JSON.stringify(api.requests.at(-1)!.input)).toContain(JSON.stringify(prompt));
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sessions).toEqual([result.sessionId]);
  });

  let toolThreadId = '';

  it('runs a real shell command in the step cwd', async () => {
    const { hooks, events } = recordingHooks();
    const result = await runner.run(
      request('SCN_TOOL Create out.txt with hello and list the directory.', { permissionMode: 'workspace-write' }),
      hooks,
    );
    expect(result.errorMessage).toBeUndefined();
    expect(result.isError).toBe(false);
    expect(readFileSync(path.join(cwd, 'out.txt'), 'utf8')).toBe('hello\n');
    expect(eventsOfType(events, 'tool.call')).toEqual([
      {
        type: 'tool.call',
        id: expect.any(String),
        name: 'command_execution',
        input: { command: "/bin/bash -lc 'echo hello > out.txt && ls'" },
      },
    ]);
    expect(eventsOfType(events, 'tool.result')).toMatchObject([{ output: 'out.txt\n', isError: false }]);
    // The fake's closing text quotes what Codex sent back as the call's output: the command really ran.
    expect(result.text).toMatch(/^Done\. The command printed:\n[\s\S]*Process exited with code 0[\s\S]*out\.txt/);
    expect(result.usage).toMatchObject({ input: 84, output: 34 });
    toolThreadId = result.sessionId!;
  });

  it('resumes that thread: the earlier turns are re-sent and the usage is this run’s own', async () => {
    expect(toolThreadId).not.toBe('');
    const before = api.requests.length;
    const { hooks, sessions } = recordingHooks();
    const result = await runner.run(
      request('-SCN_RESUME What did you do before?', { resumeSessionId: toolThreadId }),
      hooks,
    );
    expect(result.errorMessage).toBeUndefined();
    expect(result.isError).toBe(false);
    expect(result.sessionId).toBe(toolThreadId);
    expect(sessions).toEqual([toolThreadId]);
    const [resumed] = api.requests.slice(before);
    const sent = JSON.stringify(resumed!.input);
    expect(sent).toContain('SCN_TOOL Create out.txt');
    expect(sent).toContain('"type":"function_call_output"');
    expect(result.text).toBe(`Resumed reply: I can see ${resumed!.input.length} input items.`);
    // Codex reports the thread's total (126/51 here); one request of 42/17 is what this run cost.
    expect(result.usage).toMatchObject({ input: 42, output: 17 });
  });

  it('fails on an API error with the message Codex gives', async () => {
    const { hooks } = recordingHooks();
    const result = await runner.run(request('SCN_ERROR Say hello.'), hooks);
    expect(result.isError).toBe(true);
    expect(result.errorMessage).toBe('We’re currently experiencing high demand, which may cause temporary errors.');
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
