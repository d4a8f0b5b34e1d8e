/**
 * Under a line of a diff: the comments on it, and the box that writes one (with, for an agent step, "Send to the
 * agent as a follow-up").
 */
import { useState } from 'react';
import type { Comment } from '../../../../../protocol/comments.ts';
import { formatRelative, formatTimestamp } from '../../../../lib/format.ts';
import { MarkdownText } from './Markdown.tsx';

const AUTHOR = { user: 'You', system: 'Switchyard', agent: 'Agent' } as const;

export function LineThread({ comments }: { comments: Comment[] }) {
  return (
    <ul className="line-thread" aria-label="Comments on this line">
      {comments.map((comment) => (
        <li key={comment.id} className="line-comment" data-testid="line-comment" data-comment-id={comment.id}>
          <div className="line-comment-head">
            <span className="comment-avatar" aria-hidden>
              {AUTHOR[comment.comment_type][0]}
            </span>
            <strong>{AUTHOR[comment.comment_type]}</strong>
            <time dateTime={comment.created_at} title={formatTimestamp(comment.created_at)}>
              {formatRelative(comment.created_at)}
            </time>
          </div>
          <MarkdownText text={comment.text} />
        </li>
      ))}
    </ul>
  );
}

export interface LineCommentFormProps {
  /** `src/app.ts:12`, for the box's label. */
  label: string;
  /** The diff is an agent step's: the comment can go to its agent too. */
  canFollowUp: boolean;
  pending: boolean;
  onSubmit(text: string, followUp: boolean): void;
  onCancel(): void;
}

export function LineCommentForm(props: LineCommentFormProps) {
  const [text, setText] = useState('');
  const [followUp, setFollowUp] = useState(false);
  const submit = () => {
    if (text.trim() && !props.pending) props.onSubmit(text.trim(), followUp);
  };
  return (
    <form
      className="line-comment-form"
      aria-label={`Comment on ${props.label}`}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <textarea
        value={text}
        autoFocus
        rows={3}
        aria-label={`Comment on ${props.label}`}
        placeholder={`Comment on ${props.label}… Markdown works. ⌘/Ctrl+Enter sends.`}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) submit();
        }}
      />
      <div className="composer-bar">
        {props.canFollowUp && (
          <label className="line-comment-check">
            <input type="checkbox" checked={followUp} onChange={(event) => setFollowUp(event.target.checked)} />
            Send to the agent as a follow-up
          </label>
        )}
        <span className="toolbar-spacer" />
        <button type="button" className="btn btn-ghost btn-sm" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary btn-sm" disabled={!text.trim() || props.pending}>
          {props.pending ? 'Sending…' : 'Comment'}
        </button>
      </div>
    </form>
  );
}
