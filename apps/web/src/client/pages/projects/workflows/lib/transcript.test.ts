import { describe, expect, it } from 'vitest';
import { buildTranscript, parseEventLog } from './transcript.ts';

const line = (value: unknown) => JSON.stringify({ ts: '2026-12-01T00:00:00.000Z', ...(value as object) });

describe('a step event log as a transcript', () => {
  it('pairs tool calls with their results and keeps the latest usage', () => {
    const ndjson = [
      line({ type: 'agent', event: { type: 'session.started', sessionId: 's1', model: 'opus' } }),
      line({ type: 'agent', event: { type: 'message.thinking', text: 'hmm' } }),
      line({ type: 'agent', event: { type: 'tool.call', id: 't1', name: 'Read', input: { file_path: 'a.ts' } } }),
      line({ type: 'agent', event: { type: 'tool.result', id: 't1', output: 'contents', isError: false } }),
      line({ type: 'agent', event: { type: 'usage', usage: { input: 10, output: 1 }, costUsd: 0.1, turns: 1 } }),
      line({ type: 'agent', event: { type: 'usage', usage: { input: 20, output: 5 }, costUsd: 0.2, turns: 1 } }),
      line({ type: 'agent', event: { type: 'result', text: 'done', isError: false, costUsd: 0.3, numTurns: 2 } }),
    ].join('\n');
    expect(buildTranscript(parseEventLog(ndjson))).toEqual([
      { kind: 'session', sessionId: 's1', model: 'opus' },
      { kind: 'thinking', text: 'hmm' },
      { kind: 'tool', id: 't1', name: 'Read', input: { file_path: 'a.ts' }, output: 'contents', isError: false },
      { kind: 'usage', input: 20, output: 5, costUsd: 0.2 },
      { kind: 'result', text: 'done', isError: false, costUsd: 0.3, turns: 2 },
    ]);
  });

  it('joins consecutive output of one stream, and keeps a line that is not JSON as output', () => {
    const ndjson = [
      line({ type: 'output', stream: 'stdout', text: 'a\n' }),
      line({ type: 'output', stream: 'stdout', text: 'b\n' }),
      line({ type: 'output', stream: 'stderr', text: 'oops\n' }),
      'not json',
    ].join('\n');
    expect(buildTranscript(parseEventLog(ndjson))).toEqual([
      { kind: 'output', stream: 'stdout', text: 'a\nb\n' },
      { kind: 'output', stream: 'stderr', text: 'oops\n' },
      { kind: 'output', stream: 'stdout', text: 'not json\n' },
    ]);
  });
});
