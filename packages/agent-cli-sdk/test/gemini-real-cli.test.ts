/**
 * The real Gemini CLI (the pinned devDependency) driven by the runner against a loopback fake of the Gemini API, with
 * the offline recipe from shared/reference/agent-cli-offline-notes.md.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentRunner } from '../src/runner.ts';
import type { AgentRunner, AgentRunRequest } from '../src/types.ts';
import { startFakeGeminiApi } from './fixtures/fake-gemini-api.ts';
import type { FakeGeminiApi } from './fixtures/fake-gemini-api.ts';
import { geminiOffline, realCliInstalled, realCliPaths } from './fixtures/offline-clis.ts';
import { eventsOfType, recordingHooks } from './helpers.ts';

// Each run starts a Node bundle of some megabytes: ~2–4 s on an idle machine, more on a shared one.
describe.skipIf(!realCliInstalled('gemini'))(
  'the real Gemini CLI against a fake Gemini API',
  { timeout: 60_000 },
  () => {
    let api: FakeGeminiApi;
    let runner: AgentRunner;
    let root: string;
    let home: string;
    let cwd: string;

    beforeAll(async () => {
      api = await startFakeGeminiApi();
      root = mkdtempSync(path.join(tmpdir(), 'gemini-real-'));
      home = path.join(root, 'home');
      cwd = path.join(root, 'cwd');
      mkdirSync(cwd);
      runner = createAgentRunner({
        paths: { gemini: realCliPaths.gemini },
        inheritEnv: false,
        env: geminiOffline(home, api.baseUrl),
        idleTimeoutMs: 45_000,
      });
    });

    afterAll(async () => {
      await api?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    const request = (prompt: string, extra: Partial<AgentRunRequest> = {}): AgentRunRequest => ({
      agent: 'gemini',
      prompt,
      cwd,
      home,
      ...extra,
    });

    it('returns a plain answer streamed in chunks, with its session id, even for a prompt that starts with a dash', async () => {
      const { hooks, events, sessions } = recordingHooks();
      const prompt = '- SCN_TEXT Say hello.';
      const result = await runner.run(request(prompt), hooks);
      expect(result.errorMessage).toBeUndefined();
      expect(result).toMatchObject({
        isError: false,
        text: 'Hello from the fake Gemini API.',
        numTurns: 1,
        costUsd: null,
      });
      expect(eventsOfType(events, 'message.text').map((event) => event.text)).toEqual([
        'Hello from the fake ',
        'Gemini API.',
      ]);
      // The routing call and the answer, 42 + 17 tokens each.
      expect(result.usage).toMatchObject({ input: 84, output: 34 });
      expect(JSON.stringify(api.requests.at(-1)!.contents)).toContain(JSON.stringify(prompt));
      expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(sessions).toEqual([result.sessionId]);
    });

    let toolSessionId = '';

    it('runs a real shell command in the step cwd', async () => {
      const { hooks, events } = recordingHooks();
      const result = await runner.run(
        request('SCN_TOOL Create out.txt with hello and list the directory.', { permissionMode: 'bypassPermissions' }),
        hooks,
      );
      expect(result.errorMessage).toBeUndefined();
      expect(result.isError).toBe(false);
      expect(readFileSync(path.join(cwd, 'out.txt'), 'utf8')).toBe('hello\n');
      expect(eventsOfType(events, 'tool.call')).toMatchObject([
        { name: 'run_shell_command', input: { command: 'echo hello > out.txt && ls' } },
      ]);
      const [call] = eventsOfType(events, 'tool.call');
      expect(eventsOfType(events, 'tool.result')).toEqual([
        { type: 'tool.result', id: call!.id, output: 'out.txt', isError: false },
      ]);
      // The final text is what came after the tool call; the fake quotes the output the CLI sent back.
      expect(result.text).toMatch(/^Done\. The command printed:\n[\s\S]*Output: out\.txt/);
      expect(result.numTurns).toBe(2);
      toolSessionId = result.sessionId!;
    });

    it('resumes that session in the same HOME and cwd, re-sending the earlier turns', async () => {
      expect(toolSessionId).not.toBe('');
      const before = api.requests.length;
      const { hooks, sessions } = recordingHooks();
      const result = await runner.run(
        request('SCN_RESUME What did you do before?', { resumeSessionId: toolSessionId }),
        hooks,
      );
      expect(result.errorMessage).toBeUndefined();
      expect(result.isError).toBe(false);
      expect(result.sessionId).toBe(toolSessionId);
      expect(sessions).toEqual([toolSessionId]);
      const [resumed] = api.requests.slice(before);
      const sent = JSON.stringify(resumed!.contents);
      expect(sent).toContain('SCN_TOOL Create out.txt');
      expect(sent).toContain('"functionResponse"');
      expect(result.text).toBe(`Resumed reply: I can see ${resumed!.contents.length} contents entries.`);
    });

    it('fails on an API error with the API’s message', async () => {
      const { hooks } = recordingHooks();
      const result = await runner.run(request('SCN_ERROR Say hello.'), hooks);
      expect(result.isError).toBe(true);
      expect(result.errorMessage).toBe('API error 500 INTERNAL: Internal error (fake)');
      expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    });
  },
);
