/** The one line a card shows for a step's latest progress: the last output line, agent text, or tool call. */
import type { StepProgress } from '../../../../../protocol/events.ts';
import { stripAnsi } from './ansi.ts';

const MAX = 200;

function last(text: string): string | null {
  const lines = stripAnsi(text).split(/\r?\n|\r/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line) return line.length > MAX ? `${line.slice(0, MAX - 1)}…` : line;
  }
  return null;
}

export function describeProgress(progress: StepProgress): string | null {
  if (progress.kind === 'output') return last(progress.text);
  if (progress.kind === 'log') return last(progress.message);
  const event = progress.event as { type?: unknown; text?: unknown; name?: unknown; input?: unknown } | null;
  if (!event || typeof event !== 'object') return null;
  if (event.type === 'message.text' && typeof event.text === 'string') return last(event.text);
  if (event.type === 'tool.call' && typeof event.name === 'string') {
    const input = (event.input ?? {}) as Record<string, unknown>;
    const hint = input.command ?? input.file_path ?? input.path ?? input.pattern ?? '';
    return last(`${event.name} ${typeof hint === 'string' ? hint : ''}`);
  }
  return null;
}
