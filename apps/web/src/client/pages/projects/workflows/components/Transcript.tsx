/**
 * A step's events as a transcript: agent text as prose, thinking and tool calls collapsed (with input and result
 * inside), usage and result as quiet lines, script output with ANSI colours. `highlight` marks find-in-log hits.
 */
import { memo } from 'react';
import type { ReactNode } from 'react';
import { formatCost } from '../../../../lib/format.ts';
import { stripAnsi } from '../lib/ansi.ts';
import type { TranscriptEntry } from '../lib/transcript.ts';
import { AnsiText } from './AnsiText.tsx';

function Marked({ text, find }: { text: string; find: string }): ReactNode {
  if (!find) return text;
  const parts: ReactNode[] = [];
  const lower = text.toLowerCase();
  const needle = find.toLowerCase();
  let at = 0;
  for (let hit = lower.indexOf(needle); hit >= 0; hit = lower.indexOf(needle, at)) {
    parts.push(text.slice(at, hit), <mark key={hit}>{text.slice(hit, hit + find.length)}</mark>);
    at = hit + find.length;
  }
  parts.push(text.slice(at));
  return parts;
}

const pretty = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

export const TranscriptEntryView = memo(function TranscriptEntryView({
  entry,
  find,
}: {
  entry: TranscriptEntry;
  find: string;
}) {
  switch (entry.kind) {
    case 'text':
      return (
        <div className="t-text">
          <Marked text={entry.text} find={find} />
        </div>
      );
    case 'thinking':
      return (
        <details className="t-fold t-thinking">
          <summary>Thinking</summary>
          <div className="t-pre">
            <Marked text={entry.text} find={find} />
          </div>
        </details>
      );
    case 'tool':
      return (
        <details className={`t-fold t-tool${entry.isError ? ' is-error' : ''}`}>
          <summary>
            <span className="t-tool-name">{entry.name}</span>
            <span className="t-tool-hint">
              <Marked text={pretty(entry.input).slice(0, 120).replace(/\s+/g, ' ')} find={find} />
            </span>
            {entry.output === undefined && <span className="spinner" aria-label="running" />}
          </summary>
          <div className="t-label">Input</div>
          <pre className="t-pre">{pretty(entry.input)}</pre>
          {entry.output !== undefined && (
            <>
              <div className="t-label">{entry.isError ? 'Error' : 'Result'}</div>
              <pre className="t-pre">
                <Marked text={entry.output} find={find} />
              </pre>
            </>
          )}
        </details>
      );
    case 'usage':
      return (
        <div className="t-quiet">
          tokens {entry.input.toLocaleString()} in · {entry.output.toLocaleString()} out
          {entry.costUsd !== null && ` · ${formatCost(entry.costUsd)}`}
        </div>
      );
    case 'result':
      return (
        <div className={`t-result${entry.isError ? ' is-error' : ''}`}>
          <div className="t-label">
            {entry.isError ? 'Failed' : 'Result'}
            {entry.turns !== null && ` · ${entry.turns} turns`}
            {entry.costUsd !== null && ` · ${formatCost(entry.costUsd)}`}
          </div>
          <div className="t-text">
            <Marked text={entry.text} find={find} />
          </div>
        </div>
      );
    case 'error':
      return <div className="t-error">{entry.message}</div>;
    case 'session':
      return (
        <div className="t-quiet">
          session {entry.sessionId}
          {entry.model && ` · ${entry.model}`}
        </div>
      );
    case 'log':
      return (
        <div className="t-log">
          <Marked text={entry.message} find={find} />
        </div>
      );
    case 'output':
      return (
        <pre className={`t-output stream-${entry.stream}`}>
          {find ? <Marked text={stripAnsi(entry.text)} find={find} /> : <AnsiText text={entry.text} />}
        </pre>
      );
  }
});
