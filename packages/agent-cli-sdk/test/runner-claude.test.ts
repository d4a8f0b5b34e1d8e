import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentCliNotFoundError, AgentHookError, AgentSpawnError } from '../src/errors.ts';
import { createAgentRunner } from '../src/runner.ts';
import type { AgentRunRequest } from '../src/types.ts';
import { fakeClaudePath, readFakeAgentLog } from './fixtures/index.ts';
import { eventsOfType, isProcessAlive, recordingHooks, useTempDirs } from './helpers.ts';

const tempDir = useTempDirs();
const runner = createAgentRunner({ paths: { claude: fakeClaudePath }, killGraceMs: 500 });

function request(scenario: string, extra: Partial<AgentRunRequest> = {}): AgentRunRequest {
  return {
    agent: 'claude',
    prompt: 'Say hello.',
    cwd: tempDir(),
    ...extra,
    env: { FAKE_AGENT_SCENARIO: scenario, ...extra.env },
  };
}

describe('the runner driving fake-claude', () => {
  it('returns the final text, session, usage, cost and turns of a successful run', async () => {
    const { hooks, sessions } = recordingHooks();
    const result = await runner.run(request('text'), hooks);
    expect(result).toMatchObject({
      text: 'Hello from the fake Anthropic API.',
      sessionId: '42f9b4de-20ee-4eb2-b975-8f6828648e39',
      usage: { input: 42, output: 17, cacheRead: 0, cacheWrite: 0 },
      costUsd: 0.0006349999999999999,
      numTurns: 1,
      isError: false,
    });
    expect(result.stopReason).toBeUndefined();
    expect(sessions).toEqual(['42f9b4de-20ee-4eb2-b975-8f6828648e39']);
  });

  it('awaits onSessionStarted before it consumes the next line', async () => {
    const { hooks, log } = recordingHooks();
    hooks.onSessionStarted = async () => {
      log.push('journal:start');
      await new Promise((resolve) => setTimeout(resolve, 150));
      log.push('journal:done');
    };
    await runner.run(request('text'), hooks);
    expect(log.slice(0, 4)).toEqual(['session.started', 'journal:start', 'journal:done', 'message.text']);
  });

  it('reports tool calls with their results and sums usage once per API message', async () => {
    const { hooks, events } = recordingHooks();
    const result = await runner.run(request('tool'), hooks);
    expect(eventsOfType(events, 'tool.call')).toEqual([
      {
        type: 'tool.call',
        id: 'toolu_fake0003',
        name: 'Bash',
        input: { command: 'echo hello > out.txt && ls', description: 'Create out.txt and list files' },
      },
    ]);
    expect(eventsOfType(events, 'tool.result')).toEqual([
      { type: 'tool.result', id: 'toolu_fake0003', output: 'out.txt', isError: false },
    ]);
    // msg_fake0003 arrives twice (text line, tool_use line): it must count once.
    expect(eventsOfType(events, 'usage').map((event) => [event.usage.input, event.turns])).toEqual([
      [42, 1],
      [84, 2],
    ]);
    expect(result.numTurns).toBe(2);
    expect(result.text).toBe('Done: I created out.txt containing "hello" and listed the directory.');
  });

  it('does not double count usage of a message split into thinking and text lines', async () => {
    const { hooks, events } = recordingHooks();
    await runner.run(request('thinking'), hooks);
    const usage = eventsOfType(events, 'usage');
    expect(usage).toHaveLength(1);
    expect(usage[0]!.usage.input).toBe(42);
    expect(eventsOfType(events, 'message.thinking')[0]!.text).toContain('short answer');
  });

  it('trusts is_error when the CLI exits non-zero with a result', async () => {
    const { hooks, events } = recordingHooks();
    const result = await runner.run(request('api-error'), hooks);
    expect(result.isError).toBe(true);
    expect(result.stopReason).toBeUndefined();
    expect(result.errorMessage).toContain('API Error: 500');
    expect(eventsOfType(events, 'error')[0]!.message).toContain('API Error: 500');
  });

  it('fails a run that exits without a result, quoting the stderr tail', async () => {
    const { hooks } = recordingHooks();
    const result = await runner.run(request('no-result'), hooks);
    expect(result.isError).toBe(true);
    expect(result.errorMessage).toMatch(/exited with code 3 without a result/);
    expect(result.errorMessage).toContain('simulated crash before the result');
    expect(result.sessionId).toBe('42f9b4de-20ee-4eb2-b975-8f6828648e39');
    expect(result.text).toBe('Hello from the fake Anthropic API.');
  });

  it('skips non-JSON lines as stream errors and keeps unknown JSON raw', async () => {
    const { hooks, events } = recordingHooks();
    const result = await runner.run(request('garbage'), hooks);
    expect(result.isError).toBe(false);
    const streamErrors = eventsOfType(events, 'error').filter((event) => event.source === 'stream');
    expect(streamErrors.map((event) => event.message)).toEqual([
      'skipped a stream line that is not JSON: this is not json',
      'skipped a stream line that is not JSON: {"truncated": ',
    ]);
    expect(eventsOfType(events, 'raw').map((event) => event.data)).toEqual([{ type: 'fake.unknown', n: 1 }, [1, 2, 3]]);
  });

  it('kills a stalled CLI after idleTimeoutMs and says stalled', async () => {
    const { hooks } = recordingHooks();
    // Long enough for the fake to start and print its init line on a loaded machine: the session id comes from it.
    const result = await runner.run(request('stall', { idleTimeoutMs: 2_000 }), hooks);
    expect(result).toMatchObject({ isError: true, stopReason: 'stalled' });
    expect(result.errorMessage).toContain('no output');
    expect(result.sessionId).toBe('42f9b4de-20ee-4eb2-b975-8f6828648e39');
  });

  it('keeps the result of a CLI that lingers after it, and clears its process group', async () => {
    const lingering = createAgentRunner({
      paths: { claude: fakeClaudePath },
      killGraceMs: 500,
      exitAfterResultMs: 200,
    });
    const result = await lingering.run(request('linger', { idleTimeoutMs: 20_000 }), recordingHooks().hooks);
    expect(result).toMatchObject({ isError: false, text: 'Hello from the fake Anthropic API.' });
    expect(result.stopReason).toBeUndefined();
  });

  it('reads a 1 MiB line whole', async () => {
    const { hooks, events } = recordingHooks();
    const result = await runner.run(request('huge-line'), hooks);
    expect(result.isError).toBe(false);
    expect(eventsOfType(events, 'message.text')[0]!.text).toHaveLength(1024 * 1024);
  });

  it('kills the whole process group on abort, leaving no process behind', async () => {
    const controller = new AbortController();
    const { hooks, events } = recordingHooks(controller.signal);
    let orphanPid = 0;
    const onEvent = hooks.onEvent;
    hooks.onEvent = (event) => {
      onEvent(event);
      const data = (event as { type: string; data?: { type?: string; pid?: number } }).data;
      if (data?.type === 'fake.orphan') {
        orphanPid = data.pid!;
        controller.abort();
      }
    };
    const result = await runner.run(request('orphan'), hooks);
    expect(result).toMatchObject({ isError: true, stopReason: 'aborted' });
    expect(orphanPid).toBeGreaterThan(0);
    expect(isProcessAlive(orphanPid)).toBe(false);
    expect(events[0]!.type).toBe('session.started');
  });

  it('does not start the CLI when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const argvLog = path.join(tempDir(), 'argv.jsonl');
    const result = await runner.run(
      request('text', { env: { FAKE_AGENT_ARGV_LOG: argvLog } }),
      recordingHooks(controller.signal).hooks,
    );
    expect(result).toMatchObject({ isError: true, stopReason: 'aborted' });
    expect(existsSync(argvLog)).toBe(false);
  });

  it('resumes a session with --resume in the same cwd and HOME', async () => {
    const argvLog = path.join(tempDir(), 'argv.jsonl');
    const home = tempDir();
    const req = request('resume', {
      resumeSessionId: 'cd586df6-resumed',
      home,
      allowedTools: ['Bash', 'Edit'],
      model: 'claude-opus-4-8',
      env: { FAKE_AGENT_ARGV_LOG: argvLog },
    });
    const { hooks, sessions } = recordingHooks();
    const result = await runner.run(req, hooks);
    const [invocation] = readFakeAgentLog(argvLog);
    expect(invocation!.argv).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model',
      'claude-opus-4-8',
      '--allowedTools',
      'Bash,Edit',
      '--resume',
      'cd586df6-resumed',
      '--',
      'Say hello.',
    ]);
    expect(invocation!.cwd).toBe(req.cwd);
    expect(invocation!.home).toBe(home);
    expect(result.sessionId).toBe('cd586df6-resumed');
    expect(sessions).toEqual(['cd586df6-resumed']);
  });

  it('reports a resume the CLI cannot find as an error result', async () => {
    const result = await runner.run(request('resume-missing'), recordingHooks().hooks);
    expect(result.isError).toBe(true);
    expect(result.errorMessage).toBe('No conversation found with session ID: cd586df6-cf34-4f4e-bc29-5ffa92dcec0b');
  });

  it('stops the agent when it starts more turns than maxTurns', async () => {
    const { hooks, events } = recordingHooks();
    const result = await runner.run(request('budget', { budget: { maxTurns: 2 } }), hooks);
    expect(result).toMatchObject({ isError: true, stopReason: 'budget' });
    expect(result.errorMessage).toContain('maxTurns 2');
    expect(eventsOfType(events, 'result')).toHaveLength(0);
  });

  it('stops the agent when the running cost passes maxCostUsd', async () => {
    const { hooks } = recordingHooks();
    const result = await runner.run(request('budget', { budget: { maxCostUsd: 1.2 } }), hooks);
    expect(result).toMatchObject({ isError: true, stopReason: 'budget' });
    expect(result.errorMessage).toContain('maxCostUsd $1.2');
    // 100k input tokens at $5/M is $0.50 a turn: the third turn crosses $1.20.
    expect(result.numTurns).toBe(3);
    expect(result.costUsd).toBeCloseTo(1.5, 3);
  });

  it('stops the agent and rethrows when onSessionStarted fails', async () => {
    const { hooks } = recordingHooks();
    hooks.onSessionStarted = () => Promise.reject(new Error('journal is down'));
    const run = runner.run(request('stall'), hooks);
    await expect(run).rejects.toBeInstanceOf(AgentHookError);
    await expect(run).rejects.toThrow(/onSessionStarted failed.*journal is down/);
  });

  it('fails at once, naming the CLI and how to install it, when the binary is missing', async () => {
    const bare = createAgentRunner({ env: { PATH: tempDir() } });
    const run = bare.run(request('text'), recordingHooks().hooks);
    await expect(run).rejects.toBeInstanceOf(AgentCliNotFoundError);
    await expect(run).rejects.toThrow(/claude CLI not found.*npm install -g @anthropic-ai\/claude-code/);
    await expect(run).rejects.toMatchObject({ code: 'agent_cli_not_found', agent: 'claude' });
  });

  it('reports a binary the kernel cannot start as a missing CLI', async () => {
    const broken = path.join(tempDir(), 'claude');
    writeFileSync(broken, '#!/nonexistent/interpreter\n', { mode: 0o755 });
    const run = createAgentRunner({ paths: { claude: broken } }).run(request('text'), recordingHooks().hooks);
    await expect(run).rejects.toMatchObject({ code: 'agent_cli_not_found' });
    await expect(run).rejects.toThrow(/could not be started \(ENOENT\)/);
  });

  it('says a missing cwd is the problem, not a missing CLI', async () => {
    const run = runner.run(request('text', { cwd: path.join(tempDir(), 'gone') }), recordingHooks().hooks);
    await expect(run).rejects.toBeInstanceOf(AgentSpawnError);
    await expect(run).rejects.toMatchObject({ code: 'agent_spawn_failed' });
    await expect(run).rejects.toThrow(/gone is not a directory/);
  });

  it('takes the binary from SWITCHYARD_CLAUDE_PATH and rejects one that does not exist', async () => {
    const viaEnv = createAgentRunner({ env: { SWITCHYARD_CLAUDE_PATH: fakeClaudePath } });
    expect((await viaEnv.run(request('text'), recordingHooks().hooks)).isError).toBe(false);
    const broken = createAgentRunner({ env: { SWITCHYARD_CLAUDE_PATH: '/nonexistent/claude' } });
    await expect(broken.run(request('text'), recordingHooks().hooks)).rejects.toThrow(/SWITCHYARD_CLAUDE_PATH/);
  });

  it('passes Claude retry settings through the environment', async () => {
    const argvLog = path.join(tempDir(), 'argv.jsonl');
    const withRetries = createAgentRunner({
      paths: { claude: fakeClaudePath },
      claude: { maxRetries: 2, apiTimeoutMs: 20_000 },
    });
    const result = await withRetries.run(
      request('text', { env: { FAKE_AGENT_ARGV_LOG: argvLog }, permissionMode: 'acceptEdits' }),
      recordingHooks().hooks,
    );
    expect(result.isError).toBe(false);
    const [invocation] = readFakeAgentLog(argvLog);
    expect(invocation!.env).toEqual({ CLAUDE_CODE_MAX_RETRIES: '2', API_TIMEOUT_MS: '20000' });
    expect(invocation!.argv.slice(4, 6)).toEqual(['--permission-mode', 'acceptEdits']);
  });
});
