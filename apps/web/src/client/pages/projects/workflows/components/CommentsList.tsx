/**
 * The Comments tab: run-level and step-level comments, oldest first, with author, time, Markdown, the diff line a
 * comment is on (a `file:line` link to the Changes tab there) and the artifacts attached to each; a composer that can attach files (uploaded, then attached) and a way to attach an
 * existing artifact to a comment or detach it.
 */
import { useRef, useState } from 'react';
import type { Artifact } from '../../../../../protocol/artifacts.ts';
import type { Comment } from '../../../../../protocol/comments.ts';
import type { Step } from '../../../../../protocol/runs.ts';
import { formatRelative, formatTimestamp } from '../../../../lib/format.ts';
import { useSearchParam } from '../../../../lib/router.ts';
import { EmptyState } from '../../../../components/EmptyState.tsx';
import { Icon } from '../../../../components/Icon.tsx';
import { useAddComment, useAttachArtifact } from '../hooks/useArtifacts.ts';
import { anchorLabel, formatLineTarget } from '../lib/lineComment.ts';
import { ArtifactPreview, artifactUrl } from './ArtifactPreview.tsx';
import { MarkdownText } from './Markdown.tsx';

export interface CommentsListProps {
  runId: string;
  comments: Comment[];
  steps: Step[];
  artifacts: Artifact[];
  defaultStepId: string | null;
}

const AUTHOR = { user: 'You', system: 'Switchyard', agent: 'Agent' } as const;

function CommentItem(props: { comment: Comment; stepName: string | null; loose: Artifact[]; runId: string }) {
  const { comment } = props;
  const attach = useAttachArtifact(props.runId);
  const [choosing, setChoosing] = useState(false);
  const [, setSearch] = useSearchParam();
  return (
    <li className={`comment comment-${comment.comment_type}`} data-testid="comment" data-comment-id={comment.id}>
      <div className="comment-avatar" aria-hidden>
        {AUTHOR[comment.comment_type][0]}
      </div>
      <div className="comment-main">
        <div className="comment-head">
          <strong>{AUTHOR[comment.comment_type]}</strong>
          {props.stepName && <span className="chip">on {props.stepName}</span>}
          {comment.anchor && (
            <button
              className="link-btn mono comment-anchor"
              data-testid="comment-anchor"
              title="Open the Changes tab at this line"
              onClick={() =>
                setSearch({
                  tab: 'changes',
                  step: comment.workflow_run_step_id,
                  line: formatLineTarget(comment.anchor!),
                })
              }
            >
              {anchorLabel(comment.anchor)}
            </button>
          )}
          <time dateTime={comment.created_at} title={formatTimestamp(comment.created_at)}>
            {formatRelative(comment.created_at)}
          </time>
        </div>
        <MarkdownText text={comment.text} />
        {comment.artifacts.length > 0 && (
          <ul className="comment-artifacts">
            {comment.artifacts.map((artifact) => (
              <li key={artifact.id} className="comment-artifact" data-testid="comment-artifact">
                <a href={artifactUrl(artifact)} target="_blank" rel="noreferrer">
                  <ArtifactPreview artifact={artifact} compact />
                  <span>{artifact.name}</span>
                </a>
                <button
                  className="icon-btn"
                  aria-label={`Detach ${artifact.name}`}
                  onClick={() => attach.mutate({ artifactId: artifact.id, commentId: null })}
                >
                  <Icon name="close" size={12} />
                </button>
              </li>
            ))}
          </ul>
        )}
        {props.loose.length > 0 &&
          (choosing ? (
            <select
              className="attach-select"
              aria-label="Attach an artifact"
              autoFocus
              defaultValue=""
              onBlur={() => setChoosing(false)}
              onChange={(event) => {
                if (event.target.value) attach.mutate({ artifactId: event.target.value, commentId: comment.id });
                setChoosing(false);
              }}
            >
              <option value="">Choose an artifact…</option>
              {props.loose.map((artifact) => (
                <option key={artifact.id} value={artifact.id}>
                  {artifact.name}
                </option>
              ))}
            </select>
          ) : (
            <button className="link attach-link" onClick={() => setChoosing(true)}>
              <Icon name="clip" size={12} /> Attach an artifact
            </button>
          ))}
      </div>
    </li>
  );
}

function Composer({ runId, steps, defaultStepId }: { runId: string; steps: Step[]; defaultStepId: string | null }) {
  const [text, setText] = useState('');
  const [stepId, setStepId] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const input = useRef<HTMLInputElement>(null);
  const add = useAddComment(runId);
  const submit = () => {
    if (!text.trim()) return;
    add.mutate(
      { text, stepRowId: stepId || null, files, uploadStepId: defaultStepId ?? steps.at(-1)?.id ?? null },
      {
        onSuccess: () => {
          setText('');
          setFiles([]);
        },
      },
    );
  };
  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <textarea
        value={text}
        placeholder="Write a comment… Markdown works. ⌘/Ctrl+Enter sends."
        aria-label="Comment"
        rows={3}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) submit();
        }}
      />
      {files.length > 0 && (
        <ul className="composer-files">
          {files.map((file) => (
            <li key={file.name} className="chip">
              <Icon name="clip" size={12} /> {file.name}
              <button
                type="button"
                className="icon-btn"
                aria-label={`Remove ${file.name}`}
                onClick={() => setFiles(files.filter((f) => f !== file))}
              >
                <Icon name="close" size={10} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-bar">
        <select value={stepId} onChange={(event) => setStepId(event.target.value)} aria-label="Comment on">
          <option value="">On the run</option>
          {steps.map((step) => (
            <option key={step.id} value={step.id}>
              On {step.name}
            </option>
          ))}
        </select>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label="Attach files"
          data-testid="comment-files"
          onChange={(event) => {
            setFiles([...files, ...(event.target.files ?? [])]);
            event.target.value = '';
          }}
        />
        <button type="button" className="btn btn-ghost" onClick={() => input.current?.click()} disabled={!steps.length}>
          <Icon name="clip" /> Attach
        </button>
        <span className="toolbar-spacer" />
        <button type="submit" className="btn btn-primary" disabled={!text.trim() || add.isPending}>
          {add.isPending ? 'Sending…' : 'Comment'}
        </button>
      </div>
    </form>
  );
}

export function CommentsList({ runId, comments, steps, artifacts, defaultStepId }: CommentsListProps) {
  const stepName = (id: string | null) => (id ? (steps.find((s) => s.id === id)?.name ?? 'an earlier attempt') : null);
  const loose = artifacts.filter((a) => a.workflow_comment_id === null);
  return (
    <div className="comments" data-testid="comments-tab">
      {comments.length === 0 ? (
        <EmptyState title="No comments yet">
          Leave a note for the team, or for whoever approves the next gate.
        </EmptyState>
      ) : (
        <ul className="comment-list">
          {comments.map((comment) => (
            <CommentItem
              key={comment.id}
              comment={comment}
              stepName={stepName(comment.workflow_run_step_id)}
              loose={loose}
              runId={runId}
            />
          ))}
        </ul>
      )}
      <Composer runId={runId} steps={steps} defaultStepId={defaultStepId} />
    </div>
  );
}
