/**
 * A step's event log as a readable transcript: agent text, thinking, tool calls paired with their results, usage
 * and the final result; script output by stream; `ctx.log` lines. Input is the NDJSON of `logs/events` (records
 * `{ ts, type: 'output' | 'agent' | 'log', … }`) followed by live progress from the WebSocket.
 */
import type { StepProgress } from '../../../../../protocol/events.ts';

export type TranscriptEntry =
  | { kind: 'text'; text: string }
  | { kind: 'thinking'; text: string }
  | { kind: 'tool'; id: string; name: string; input: unknown; output?: string; isError?: boolean }
  | { kind: 'usage'; input: number; output: number; costUsd: number | null }
  | { kind: 'result'; text: string; isError: boolean; costUsd: number | null; turns: number | null }
  | { kind: 'error'; message: string }
  | { kind: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'log'; message: string }
  | { kind: 'session'; sessionId: string; model?: string };

/** Parses the NDJSON of a step's event log into progress records; lines that are not JSON are kept as output. */
export function parseEventLog(ndjson: string): StepProgress[] {
  const out: StepProgress[] = [];
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (record.type === 'output' && typeof record.text === 'string') {
        out.push({ kind: 'output', stream: record.stream === 'stderr' ? 'stderr' : 'stdout', text: record.text });
      } else if (record.type === 'agent') out.push({ kind: 'agent', event: record.event });
      else if (record.type === 'log' && typeof record.message === 'string') {
        out.push({ kind: 'log', message: record.message });
      } else out.push({ kind: 'log', message: line });
    } catch {
      out.push({ kind: 'output', stream: 'stdout', text: `${line}\n` });
    }
  }
  return out;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const numOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);

export function buildTranscript(records: StepProgress[]): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  const tools = new Map<string, Extract<TranscriptEntry, { kind: 'tool' }>>();
  for (const record of records) {
    if (record.kind === 'output') {
      const previous = entries.at(-1);
      // Consecutive chunks of one stream read as one block.
      if (previous?.kind === 'output' && previous.stream === record.stream) previous.text += record.text;
      else entries.push({ kind: 'output', stream: record.stream, text: record.text });
      continue;
    }
    if (record.kind === 'log') {
      entries.push({ kind: 'log', message: record.message });
      continue;
    }
    const e = (record.event ?? {}) as Record<string, unknown>;
    switch (e.type) {
      case 'message.text': {
        const previous = entries.at(-1);
        if (e.delta && previous?.kind === 'text') previous.text += String(e.text ?? '');
        else entries.push({ kind: 'text', text: String(e.text ?? '') });
        break;
      }
      case 'message.thinking':
        entries.push({ kind: 'thinking', text: String(e.text ?? '') });
        break;
      case 'tool.call': {
        const tool = { kind: 'tool' as const, id: String(e.id ?? ''), name: String(e.name ?? 'tool'), input: e.input };
        tools.set(tool.id, tool);
        entries.push(tool);
        break;
      }
      case 'tool.result': {
        const tool = tools.get(String(e.id ?? ''));
        if (tool) {
          tool.output = String(e.output ?? '');
          tool.isError = Boolean(e.isError);
        }
        break;
      }
      case 'usage': {
        const usage = (e.usage ?? {}) as Record<string, unknown>;
        const previous = entries.at(-1);
        const entry = {
          kind: 'usage' as const,
          input: num(usage.input),
          output: num(usage.output),
          costUsd: numOrNull(e.costUsd),
        };
        // Usage events are running totals: the latest replaces an adjacent earlier one.
        if (previous?.kind === 'usage') entries[entries.length - 1] = entry;
        else entries.push(entry);
        break;
      }
      case 'result':
        entries.push({
          kind: 'result',
          text: String(e.text ?? ''),
          isError: Boolean(e.isError),
          costUsd: numOrNull(e.costUsd),
          turns: numOrNull(e.numTurns),
        });
        break;
      case 'error':
        entries.push({ kind: 'error', message: String(e.message ?? 'error') });
        break;
      case 'session.started':
        entries.push({
          kind: 'session',
          sessionId: String(e.sessionId ?? ''),
          model: typeof e.model === 'string' ? e.model : undefined,
        });
        break;
      default:
        entries.push({ kind: 'log', message: JSON.stringify(record.event) });
    }
  }
  return entries;
}

/** The transcript as plain text, for copying and for find-in-log. */
export function transcriptText(entry: TranscriptEntry): string {
  switch (entry.kind) {
    case 'text':
    case 'thinking':
      return entry.text;
    case 'tool':
      return `${entry.name} ${JSON.stringify(entry.input)}${entry.output ? `\n${entry.output}` : ''}`;
    case 'usage':
      return `usage: ${entry.input} in, ${entry.output} out`;
    case 'result':
      return entry.text;
    case 'error':
      return entry.message;
    case 'output':
      return entry.text;
    case 'log':
      return entry.message;
    case 'session':
      return `session ${entry.sessionId}`;
  }
}
