/**
 * A comment on a line of a diff, outside the diff: its label (`src/app.ts:12`), the `line` URL parameter that opens
 * the Changes tab at it, and the follow-up that tells the agent which line a comment is about.
 */
import type { CommentAnchor } from '../../../../../protocol/comments.ts';

/** `src/app.ts:12`, and `(old)` for a line of the file before the change, which has no number after it. */
export function anchorLabel(anchor: CommentAnchor): string {
  return `${anchor.file}:${anchor.line}${anchor.side === 'old' ? ' (old)' : ''}`;
}

/** The `line` URL parameter: `new:12:src/app.ts` (the path last, as it may hold colons). */
export function formatLineTarget(anchor: CommentAnchor): string {
  return `${anchor.side}:${anchor.line}:${anchor.file}`;
}

export function parseLineTarget(value: string | null): CommentAnchor | null {
  const match = value ? /^(new|old):(\d+):(.+)$/.exec(value) : null;
  if (!match) return null;
  return { side: match[1] as CommentAnchor['side'], line: Number(match[2]), file: match[3]! };
}

/**
 * The follow-up an agent gets for a comment on a line: where, the line itself in a fence longer than any run of
 * backticks in it (so code with backticks stays one block), then the comment.
 */
export function lineFollowUp(anchor: CommentAnchor, lineText: string, comment: string): string {
  const longest = Math.max(0, ...[...lineText.matchAll(/`+/g)].map(([run]) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const where =
    anchor.side === 'old'
      ? `${anchor.file}, line ${anchor.line} before your change (now deleted)`
      : `${anchor.file}:${anchor.line}`;
  return `About ${where}:\n${fence}\n${lineText}\n${fence}\n\n${comment}`;
}
