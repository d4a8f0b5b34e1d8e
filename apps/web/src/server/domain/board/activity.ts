/**
 * A card's activity line: the latest thing its current step said. For a running step it is read from the tail of
 * the step's event log (only the last few kilobytes), so the board never reads whole logs.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export type ActivityReader = (logDirectory: string) => Promise<string | null>;

const TAIL_BYTES = 8 * 1024;
const MAX_CHARS = 200;

/** The last non-empty line of a text, without ANSI escapes, cut to a card's width. */
export function lastLine(text: string): string | null {
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n|\r/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line) return line.length > MAX_CHARS ? `${line.slice(0, MAX_CHARS - 1)}…` : line;
  }
  return null;
}

/** What one event-log record says, as a line: output text, agent text or a tool call, a log message. */
export function describeLogRecord(record: unknown): string | null {
  if (typeof record !== 'object' || record === null) return null;
  const r = record as { type?: unknown; text?: unknown; message?: unknown; event?: unknown };
  if (r.type === 'output' && typeof r.text === 'string') return lastLine(r.text);
  if (r.type === 'log' && typeof r.message === 'string') return lastLine(r.message);
  if (r.type === 'agent' && typeof r.event === 'object' && r.event !== null) {
    const e = r.event as { type?: unknown; text?: unknown; name?: unknown; input?: unknown };
    if (e.type === 'message.text' && typeof e.text === 'string') return lastLine(e.text);
    if (e.type === 'tool.call' && typeof e.name === 'string') return lastLine(`${e.name} ${toolHint(e.input)}`);
  }
  return null;
}

function toolHint(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  const i = input as Record<string, unknown>;
  const hint = i.command ?? i.file_path ?? i.path ?? i.pattern ?? i.url ?? '';
  return typeof hint === 'string' ? hint : '';
}

export const readActivityFromLog: ActivityReader = async (logDirectory) => {
  let handle;
  try {
    handle = await open(join(logDirectory, 'events.jsonl'), 'r');
  } catch {
    return null;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!.trim();
      if (!line) continue;
      try {
        const described = describeLogRecord(JSON.parse(line));
        if (described) return described;
      } catch {
        // The first line of a tail can be cut mid-record; older complete lines follow it.
      }
    }
    return null;
  } finally {
    await handle.close();
  }
};
