/**
 * One file's diff, inline (one column, old and new line numbers in the gutter) or side by side (the old file on the
 * left, the new on the right, a change block's deletions paired with its additions). Additions and deletions are
 * green and red with their sign kept, so colour is never the only cue; the code is syntax-highlighted once the
 * file's language has loaded. Each line has a "+" (shown on hover and on focus) that opens a comment box under it,
 * and the comments already on a line are shown there.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { DiffFile } from '../../../../../protocol/diffs.ts';
import type { Comment } from '../../../../../protocol/comments.ts';
import { Icon } from '../../../../components/Icon.tsx';
import { useHighlighter } from '../hooks/useHighlighter.ts';
import { lineAnchor, lineKey, splitRows } from '../lib/diffModel.ts';
import type { DiffHunk, DiffLine, DiffSide } from '../lib/diffModel.ts';
import { languageOf } from '../lib/highlight.ts';
import { LineThread } from './LineComments.tsx';

export type DiffMode = 'inline' | 'split';

export interface LineRef {
  side: DiffSide;
  line: number;
}

export interface DiffViewProps {
  file: DiffFile;
  hunks: DiffHunk[];
  mode: DiffMode;
  /** The comments on this file's lines, by {@link lineKey}. */
  threads?: ReadonlyMap<string, Comment[]>;
  /** A line to scroll to and mark (a {@link lineKey}): the one a comment's `file:line` link points at. */
  target?: string | null;
  /** The comment box for a line; without it the lines take no comments. */
  renderComposer?(at: LineRef, lineText: string, close: () => void): ReactNode;
}

const SIGN = { add: '+', del: '−', context: ' ', note: '' } as const;
const SPOKEN = { add: 'added: ', del: 'deleted: ', context: '', note: '' } as const;

/** Each line's highlighted HTML; each side of a hunk is highlighted as one text, so a token spanning lines stays whole. */
function useHighlightedLines(path: string, hunks: DiffHunk[]): Map<DiffLine, string> | null {
  const highlighter = useHighlighter(languageOf(path));
  return useMemo(() => {
    if (!highlighter) return null;
    const html = new Map<DiffLine, string>();
    for (const hunk of hunks) {
      for (const side of ['old', 'new'] as const) {
        const own = side === 'old' ? 'del' : 'add';
        const lines = hunk.lines.filter((line) => line.kind === 'context' || line.kind === own);
        const highlighted = highlighter.lines(lines.map((line) => line.text).join('\n'));
        // Context is the same text on both sides: the new side's highlighting is kept.
        lines.forEach((line, i) => (side === 'new' || line.kind === own) && html.set(line, highlighted[i] ?? ''));
      }
    }
    return html;
  }, [highlighter, hunks]);
}

function Code({ line, html }: { line: DiffLine; html: string | undefined }) {
  return (
    <>
      {SPOKEN[line.kind] && <span className="sr-only">{SPOKEN[line.kind]}</span>}
      {html === undefined ? (
        <span className="diff-code">{line.text}</span>
      ) : (
        // highlight.js escapes the text; its only markup is its own spans.
        <span className="diff-code" dangerouslySetInnerHTML={{ __html: html }} />
      )}
    </>
  );
}

export function DiffView({ file, hunks, mode, threads, target, renderComposer }: DiffViewProps) {
  const html = useHighlightedLines(file.path, hunks);
  const [composing, setComposing] = useState<{ key: string; at: LineRef; text: string } | null>(null);
  const table = useRef<HTMLTableElement>(null);

  useEffect(() => {
    if (!target) return;
    // A file opened at a line from a comment's link: its row is brought into view once it is drawn.
    table.current?.querySelector(`[data-line-key="${target}"]`)?.scrollIntoView({ block: 'center' });
  }, [target, mode]);

  if (file.binary) return <p className="muted pad">Binary file, not shown.</p>;
  if (hunks.length === 0) return <p className="muted pad">No line changed (a rename or a mode change).</p>;

  const threadOf = (at: LineRef | null) => (at && threads?.get(lineKey(at.side, at.line))) || [];
  const commentButton = (line: DiffLine, side?: DiffSide) => {
    const at = renderComposer && lineAnchor(line, side);
    if (!at) return null;
    const label = `${file.path}:${at.line}${at.side === 'old' ? ' (old)' : ''}`;
    return (
      <button
        type="button"
        className="diff-comment-btn"
        aria-label={`Comment on ${label}`}
        title={`Comment on ${label}`}
        onClick={() => setComposing({ key: lineKey(at.side, at.line), at, text: line.text })}
      >
        <Icon name="plus" size={12} />
      </button>
    );
  };
  /** The thread and the open comment box under a line (or one side of a side-by-side row). */
  const under = (ats: (LineRef | null)[]) => {
    const comments = ats.flatMap(threadOf);
    const box = composing && ats.some((at) => at && lineKey(at.side, at.line) === composing.key);
    if (comments.length === 0 && !box) return null;
    return (
      <>
        {comments.length > 0 && <LineThread comments={comments} />}
        {box && renderComposer!(composing.at, composing.text, () => setComposing(null))}
      </>
    );
  };
  const isTarget = (...ats: (LineRef | null)[]) => ats.some((at) => at && lineKey(at.side, at.line) === target);

  const rows: ReactNode[] = [];
  for (const [h, hunk] of hunks.entries()) {
    rows.push(
      <tr key={`h${h}`} className="diff-hunk">
        <td colSpan={mode === 'inline' ? 5 : 8}>{hunk.header}</td>
      </tr>,
    );
    if (mode === 'inline') {
      for (const [i, line] of hunk.lines.entries()) {
        const key = `${h}:${i}`;
        if (line.kind === 'note') {
          rows.push(
            <tr key={key} className="diff-line diff-note" data-kind="note">
              <td className="diff-num" />
              <td className="diff-num" />
              <td className="diff-act" />
              <td className="diff-sign" />
              <td className="diff-text">{line.text}</td>
            </tr>,
          );
          continue;
        }
        const own = lineAnchor(line);
        const other = line.kind === 'context' ? lineAnchor(line, 'old') : null;
        rows.push(
          <tr
            key={key}
            className={`diff-line diff-${line.kind}${isTarget(own, other) ? ' diff-target' : ''}`}
            data-kind={line.kind}
            data-line-key={own && lineKey(own.side, own.line)}
          >
            <td className="diff-num" aria-hidden>
              {line.oldLine ?? ''}
            </td>
            <td className="diff-num" aria-hidden>
              {line.newLine ?? ''}
            </td>
            <td className="diff-act">{commentButton(line)}</td>
            <td className="diff-sign" aria-hidden>
              {SIGN[line.kind]}
            </td>
            <td className="diff-text">
              <Code line={line} html={html?.get(line)} />
            </td>
          </tr>,
        );
        const thread = under([own, other]);
        if (thread) {
          rows.push(
            <tr key={`${key}t`} className="diff-thread-row">
              <td colSpan={5}>{thread}</td>
            </tr>,
          );
        }
      }
    } else {
      for (const [i, row] of splitRows(hunk.lines).entries()) {
        const key = `${h}:${i}`;
        if (row.kind === 'note') {
          rows.push(
            <tr key={key} className="diff-line diff-note" data-kind="note">
              <td colSpan={8} className="diff-text">
                {row.text}
              </td>
            </tr>,
          );
          continue;
        }
        const old = row.old && lineAnchor(row.old, 'old');
        const next = row.new && lineAnchor(row.new, 'new');
        rows.push(
          <tr key={key} className="diff-line diff-split">
            {(['old', 'new'] as const).map((side) => {
              const line = row[side];
              const at = side === 'old' ? old : next;
              if (!line || !at) {
                return [
                  <td key={`${side}n`} className="diff-num diff-empty" />,
                  <td key={`${side}a`} className="diff-act diff-empty" />,
                  <td key={`${side}s`} className="diff-sign diff-empty" />,
                  <td key={`${side}t`} className="diff-text diff-empty" data-side={side} />,
                ];
              }
              const kind = `diff-${line.kind}${isTarget(at) ? ' diff-target' : ''}`;
              return [
                <td key={`${side}n`} className={`diff-num ${kind}`} aria-hidden>
                  {at.line}
                </td>,
                <td key={`${side}a`} className={`diff-act ${kind}`}>
                  {commentButton(line, side)}
                </td>,
                <td key={`${side}s`} className={`diff-sign ${kind}`} aria-hidden>
                  {SIGN[line.kind]}
                </td>,
                <td
                  key={`${side}t`}
                  className={`diff-text ${kind}`}
                  data-side={side}
                  data-kind={line.kind}
                  data-line-key={lineKey(at.side, at.line)}
                >
                  <Code line={line} html={html?.get(line)} />
                </td>,
              ];
            })}
          </tr>,
        );
        const left = under([old]);
        const right = under([next]);
        if (left || right) {
          rows.push(
            <tr key={`${key}t`} className="diff-thread-row">
              <td colSpan={4}>{left}</td>
              <td colSpan={4}>{right}</td>
            </tr>,
          );
        }
      }
    }
  }

  return (
    <table ref={table} className={`diff diff-${mode}`} data-testid="diff" data-mode={mode}>
      <colgroup>
        {mode === 'inline' ? (
          <>
            <col className="diff-col-num" />
            <col className="diff-col-num" />
            <col className="diff-col-act" />
            <col className="diff-col-sign" />
            <col />
          </>
        ) : (
          <>
            <col className="diff-col-num" />
            <col className="diff-col-act" />
            <col className="diff-col-sign" />
            <col />
            <col className="diff-col-num" />
            <col className="diff-col-act" />
            <col className="diff-col-sign" />
            <col />
          </>
        )}
      </colgroup>
      <tbody>{rows}</tbody>
    </table>
  );
}
