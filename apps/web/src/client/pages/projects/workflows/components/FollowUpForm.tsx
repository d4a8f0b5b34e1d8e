/**
 * Under an agent step's log: a message to the agent that continues the step's session. The agent's events join the
 * log above; its answer is shown here and kept, with the message, as step comments. While the step's turn runs the
 * message is queued — listed here, cancellable until the turn ends and the step sends it.
 */
import { useState } from 'react';
import type { Step } from '../../../../../protocol/runs.ts';
import { useCancelFollowUp, useFollowUp, useQueuedFollowUps } from '../hooks/useFollowUp.ts';
import { MarkdownText } from './Markdown.tsx';

/**
 * Whether a step can take a follow-up now: an agent step whose turn is running (the message is queued), or whose
 * turn has ended — finished, or stopped by a pause of its run — with a session to continue.
 */
export function acceptsFollowUp(step: Step, runStatus: string): boolean {
  if (step.type !== 'agent') return false;
  if (turnRunning(step, runStatus)) return true;
  return step.cli_session_id !== null;
}

const turnRunning = (step: Step, runStatus: string) =>
  step.status === 'running' || (step.status === 'pending' && runStatus !== 'paused');

export function FollowUpForm(props: { runId: string; step: Step; runStatus: string; onAnswered(): void }) {
  const [text, setText] = useState('');
  const followUp = useFollowUp(props.runId);
  const queued = useQueuedFollowUps(props.runId);
  const cancel = useCancelFollowUp(props.runId);
  const running = turnRunning(props.step, props.runStatus);
  const waiting = (queued.data?.data ?? []).filter((f) => f.step_id === props.step.step_id);
  const answer = followUp.data?.state === 'answered' ? followUp.data : undefined;
  const submit = () => {
    const message = text.trim();
    if (!message || followUp.isPending) return;
    followUp.mutate(
      { stepRowId: props.step.id, message },
      {
        onSuccess: (response) => {
          setText('');
          if (response.state === 'answered') props.onAnswered();
        },
      },
    );
  };
  const status = followUp.isPending
    ? running
      ? 'Queueing…'
      : 'The agent is answering…'
    : running
      ? 'Will be sent when the current turn ends.'
      : '';
  return (
    <form
      className="composer follow-up"
      aria-label="Follow-up"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {answer && (
        <div className="follow-up-answer" data-testid="follow-up-answer">
          <MarkdownText text={answer.reply.text} />
        </div>
      )}
      {waiting.length > 0 && (
        <ol className="follow-up-queue" aria-label="Queued follow-ups" data-testid="follow-up-queue">
          {waiting.map((item) => (
            <li key={item.id} className="follow-up-queued" data-state={item.state}>
              <span className={`badge ${item.state === 'delivering' ? 'tone-info' : 'tone-warning'}`}>
                {item.state === 'delivering' ? 'sending' : 'queued'}
              </span>
              <span className="follow-up-queued-text">{item.message}</span>
              {item.state === 'queued' && (
                <button
                  type="button"
                  className="btn btn-ghost btn-sm"
                  disabled={cancel.isPending}
                  aria-label={`Cancel queued follow-up: ${item.message}`}
                  onClick={() => cancel.mutate(item.id)}
                >
                  Cancel
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      <textarea
        value={text}
        placeholder={
          running
            ? `Message ${props.step.name}: queued, and sent in its session when the current turn ends. ⌘/Ctrl+Enter sends.`
            : `Message ${props.step.name}: its session continues. ⌘/Ctrl+Enter sends.`
        }
        aria-label="Follow-up message"
        rows={2}
        disabled={followUp.isPending}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) submit();
        }}
      />
      <div className="composer-bar">
        <span className="muted" data-testid="follow-up-hint">
          {status}
        </span>
        <span className="toolbar-spacer" />
        <button type="submit" className="btn btn-primary" disabled={!text.trim() || followUp.isPending}>
          {running ? 'Queue follow-up' : 'Send follow-up'}
        </button>
      </div>
    </form>
  );
}
