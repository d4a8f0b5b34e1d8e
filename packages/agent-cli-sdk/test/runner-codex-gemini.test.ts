import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAgentRunner } from '../src/runner.ts';
import type { AgentName, AgentRunRequest } from '../src/types.ts';
import { fakeCodexPath, fakeGeminiPath, readFakeAgentLog } from './fixtures/index.ts';
import { eventsOfType, recordingHooks, useTempDirs } from './helpers.ts';

const tempDir = useTempDirs();
const runner = createAgentRunner({ paths: { codex: fakeCodexPath, gemini: fakeGeminiPath }, killGraceMs: 500 });

function request(agent: AgentName, scenario: string, extra: Partial<AgentRunRequest> = {}): AgentRunRequest {
  return { agent, prompt: 'Do it.', cwd: tempDir(), ...extra, env: { FAKE_AGENT_SCENARIO: scenario, ...extra.env } };
}

describe('the runner driving fake-codex', () => {
  it('turns a tool run into a command tool call, its output, and the last message as text', async () => {
    const { hooks, events, sessions } = recordingHooks();
    const result = await runner.run(request('codex', 'tool'), hooks);
    expect(result).toMatchObject({
      isError: false,
      sessionId: '01a21319-a84e-7132-93b4-5f0c15804e90',
      text: 'Done: I created out.txt containing "hello" and listed the directory.',
      usage: { input: 84, output: 34, cacheRead: 0, cacheWrite: 0 },
      costUsd: null,
      numTurns: 1,
    });
    expect(sessions).toEqual(['01a21319-a84e-7132-93b4-5f0c15804e90']);
    expect(eventsOfType(events, 'tool.call')).toEqual([
      {
        type: 'tool.call',
        id: 'item_1',
        name: 'command_execution',
        input: { command: "/bin/bash -lc 'echo hello > out.txt && ls'" },
      },
    ]);
    expect(eventsOfType(events, 'tool.result')).toEqual([
      { type: 'tool.result', id: 'item_1', output: 'out.txt\n', isError: false },
    ]);
  });

  it('marks a failed command as a failed tool result without failing the run', async () => {
    const { hooks, events } = recordingHooks();
    const result = await runner.run(request('codex', 'failcmd'), hooks);
    expect(result.isError).toBe(false);
    expect(eventsOfType(events, 'tool.result')[0]).toMatchObject({ isError: true });
  });

  it('reports reasoning as thinking', async () => {
    const { hooks, events } = recordingHooks();
    await runner.run(request('codex', 'thinking'), hooks);
    expect(eventsOfType(events, 'message.thinking')).toEqual([
      { type: 'message.thinking', text: 'The user wants a short answer.' },
    ]);
  });

  it('fails the run on turn.failed, keeping retry notices as non-fatal errors', async () => {
    const { hooks, events } = recordingHooks();
    const result = await runner.run(request('codex', 'retries'), hooks);
    expect(result.isError).toBe(true);
    expect(result.errorMessage).toBe('We’re currently experiencing high demand, which may cause temporary errors.');
    expect(eventsOfType(events, 'error').filter((event) => event.message.startsWith('Reconnecting'))).toHaveLength(5);
  });

  it('resumes with `exec --json … resume <thread_id> -- <prompt>`', async () => {
    const argvLog = path.join(tempDir(), 'argv.jsonl');
    const req = request('codex', 'resume', {
      resumeSessionId: 'thread-42',
      permissionMode: 'workspace-write',
      env: { FAKE_AGENT_ARGV_LOG: argvLog },
    });
    const result = await runner.run(req, recordingHooks().hooks);
    const [invocation] = readFakeAgentLog(argvLog);
    expect(invocation!.argv).toEqual([
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--sandbox',
      'workspace-write',
      'resume',
      'thread-42',
      '--',
      'Do it.',
    ]);
    expect(invocation!.cwd).toBe(req.cwd);
    expect(result.sessionId).toBe('thread-42');
  });

  it('fails a run that exits without turn.completed', async () => {
    const result = await runner.run(request('codex', 'no-result'), recordingHooks().hooks);
    expect(result.isError).toBe(true);
    expect(result.errorMessage).toContain('fake-codex: simulated crash');
  });
});

describe('the runner driving fake-gemini', () => {
  it('joins streamed text after the last tool call into the final text', async () => {
    const { hooks, events, sessions } = recordingHooks();
    const result = await runner.run(request('gemini', 'tool'), hooks);
    expect(result).toMatchObject({
      isError: false,
      sessionId: '359cf589-e1db-4bca-8f23-6e1ec3ad3247',
      text: 'Done: I created out.txt containing "hello" and listed the directory.',
      usage: { input: 126, output: 51, cacheRead: 0, cacheWrite: 0 },
      numTurns: 2,
    });
    expect(sessions).toEqual(['359cf589-e1db-4bca-8f23-6e1ec3ad3247']);
    expect(eventsOfType(events, 'tool.call')[0]).toMatchObject({
      name: 'run_shell_command',
      input: { command: 'echo hello > out.txt && ls' },
    });
    expect(eventsOfType(events, 'tool.result')[0]).toMatchObject({ output: 'out.txt', isError: false });
    // The prompt echo is not assistant text.
    expect(eventsOfType(events, 'message.text').map((event) => event.text)).not.toContain('SCN_TOOL');
  });

  it('reports an API error result as a failed run even with exit code 244', async () => {
    const result = await runner.run(request('gemini', 'api-error'), recordingHooks().hooks);
    expect(result.isError).toBe(true);
    expect(result.errorMessage).toContain('Internal error (fake)');
  });

  it('resumes with --resume <session_id>', async () => {
    const argvLog = path.join(tempDir(), 'argv.jsonl');
    const req = request('gemini', 'resume', {
      resumeSessionId: 'gem-7',
      permissionMode: 'bypassPermissions',
      allowedTools: ['run_shell_command'],
      env: { FAKE_AGENT_ARGV_LOG: argvLog },
    });
    const result = await runner.run(req, recordingHooks().hooks);
    expect(readFakeAgentLog(argvLog)[0]!.argv).toEqual([
      '--prompt=Do it.',
      '--output-format',
      'stream-json',
      '--skip-trust',
      '--approval-mode',
      'yolo',
      '--allowed-tools=run_shell_command',
      '--resume',
      'gem-7',
    ]);
    expect(result.sessionId).toBe('gem-7');
  });

  it('kills a stalled gemini after idleTimeoutMs', async () => {
    const result = await runner.run(request('gemini', 'stall', { idleTimeoutMs: 250 }), recordingHooks().hooks);
    expect(result).toMatchObject({ isError: true, stopReason: 'stalled' });
  });
});
