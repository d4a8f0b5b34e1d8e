import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClaudeParser } from '../src/adapters/claude.ts';
import { createCodexParser } from '../src/adapters/codex.ts';
import { createGeminiParser, readableGeminiError } from '../src/adapters/gemini.ts';
import type { AgentEvent } from '../src/events.ts';
import { recordedStream } from './fixtures/index.ts';
import { useTempDirs } from './helpers.ts';

const tempDir = useTempDirs();

const parseAll = (parser: { parseLine(line: string): AgentEvent[] }, lines: string[]) =>
  lines.flatMap((line) => parser.parseLine(line));

describe('the Claude stream parser', () => {
  it('keeps system lines it does not know (thinking_tokens) raw', () => {
    const events = parseAll(createClaudeParser(), recordedStream('claude-thinking'));
    expect(events.map((event) => event.type)).toEqual([
      'session.started',
      'raw',
      'message.thinking',
      'usage',
      'message.text',
      'result',
    ]);
  });

  it('reports api_retry lines as non-fatal agent errors', () => {
    const line = JSON.stringify({
      type: 'system',
      subtype: 'api_retry',
      attempt: 1,
      max_retries: 2,
      retry_delay_ms: 593.4,
      error_status: 500,
      error: 'server_error',
      session_id: 's',
    });
    expect(createClaudeParser().parseLine(line)).toEqual([
      { type: 'error', message: 'API request failed (500, server_error), retry 1/2', fatal: false, source: 'agent' },
    ]);
  });

  it('uses errors[] as the message of a result that has no result text', () => {
    const [result] = parseAll(createClaudeParser(), recordedStream('claude-resume-missing'));
    expect(result).toMatchObject({
      type: 'result',
      isError: true,
      subtype: 'error_during_execution',
      errorMessage: 'No conversation found with session ID: cd586df6-cf34-4f4e-bc29-5ffa92dcec0b',
    });
  });

  it('keeps a known line type with an unexpected shape raw instead of failing', () => {
    const [event] = createClaudeParser().parseLine('{"type":"assistant","message":"not an object"}');
    expect(event).toEqual({ type: 'raw', agent: 'claude', data: { type: 'assistant', message: 'not an object' } });
  });

  it('does not count sub-agent messages as turns, but does count their tokens', () => {
    const parser = createClaudeParser();
    const assistant = (id: string, parent: string | null) =>
      JSON.stringify({
        type: 'assistant',
        message: { id, model: 'claude-sonnet-4-5', content: [], usage: { input_tokens: 1_000_000, output_tokens: 0 } },
        parent_tool_use_id: parent,
      });
    parser.parseLine(assistant('m1', null));
    parser.parseLine(assistant('m2', 'toolu_task'));
    expect(parser.progress()).toEqual({ turns: 1, costUsd: 6 });
  });
});

describe('the Codex stream parser', () => {
  it('subtracts the usage the resumed thread had before the run, read from its rollout file', () => {
    const codexHome = tempDir('codex-home-');
    const thread = '01a21319-a84e-7132-93b4-5f0c15804e90';
    const day = path.join(codexHome, 'sessions', '2026', '11', '25');
    mkdirSync(day, { recursive: true });
    const tokenCount = (input: number, output: number) =>
      JSON.stringify({
        type: 'event_msg',
        payload: { type: 'token_count', info: { total_token_usage: { input_tokens: input, output_tokens: output } } },
      });
    writeFileSync(
      path.join(day, `rollout-2026-11-25T14-28-16-${thread}.jsonl`),
      [JSON.stringify({ type: 'session_meta', payload: { id: thread } }), tokenCount(42, 17), tokenCount(84, 34)].join(
        '\n',
      ),
    );
    const run = (env: NodeJS.ProcessEnv) => ({
      request: { agent: 'codex' as const, prompt: 'again', cwd: '/', resumeSessionId: thread },
      env,
    });
    const resumed = parseAll(createCodexParser(run({ CODEX_HOME: codexHome })), recordedStream('codex-resume'));
    // The thread's totals are 126/51 after this run; 84/34 of them were spent before it.
    expect(resumed.find((event) => event.type === 'result')).toMatchObject({ usage: { input: 42, output: 17 } });
    // Without a rollout to read, the run reports what Codex reports: the thread's totals.
    const unknown = parseAll(createCodexParser(run({ HOME: tempDir() })), recordedStream('codex-resume'));
    expect(unknown.find((event) => event.type === 'result')).toMatchObject({ usage: { input: 126, output: 51 } });
  });

  it('reads a reasoning run in order and ends it with a result', () => {
    const events = parseAll(createCodexParser(), recordedStream('codex-thinking'));
    expect(events.map((event) => event.type)).toEqual([
      'session.started',
      'message.thinking',
      'message.text',
      'usage',
      'result',
    ]);
  });

  it('keeps todo_list items raw', () => {
    const line = JSON.stringify({
      type: 'item.updated',
      item: { id: 'item_3', type: 'todo_list', items: [{ text: 'write tests', completed: false }] },
    });
    expect(createCodexParser().parseLine(line)[0]).toMatchObject({ type: 'raw', agent: 'codex' });
  });

  it('announces an mcp tool call once and reports its error', () => {
    const parser = createCodexParser();
    const item = { id: 'item_1', type: 'mcp_tool_call', server: 'docs', tool: 'search', arguments: { q: 'x' } };
    const started = parser.parseLine(
      JSON.stringify({ type: 'item.started', item: { ...item, status: 'in_progress' } }),
    );
    const completed = parser.parseLine(
      JSON.stringify({ type: 'item.completed', item: { ...item, status: 'failed', error: { message: 'boom' } } }),
    );
    expect(started).toEqual([{ type: 'tool.call', id: 'item_1', name: 'mcp:docs/search', input: { q: 'x' } }]);
    expect(completed).toEqual([{ type: 'tool.result', id: 'item_1', output: 'boom', isError: true }]);
  });
});

describe('the Gemini stream parser', () => {
  it('drops the prompt echo and marks streamed chunks as deltas', () => {
    const events = parseAll(createGeminiParser(), recordedStream('gemini-text'));
    expect(events.filter((event) => event.type === 'message.text')).toEqual([
      { type: 'message.text', text: 'Hello from the fake ', delta: true },
      { type: 'message.text', text: 'Gemini API.', delta: true },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'result', text: 'Hello from the fake Gemini API.', isError: false });
  });

  it('unwraps the API error inside an error result, a JSON body or a plain message (both seen from 0.61.0)', () => {
    const [result] = createGeminiParser().parseLine(recordedStream('gemini-api-error').at(-1)!);
    expect(result).toMatchObject({
      type: 'result',
      isError: true,
      errorMessage: 'API error 500 INTERNAL: Internal error (fake)',
    });
    expect(readableGeminiError('[API Error: Unavailable (fake)]')).toBe('API error: Unavailable (fake)');
    expect(readableGeminiError('quota exceeded')).toBe('quota exceeded');
  });
});
