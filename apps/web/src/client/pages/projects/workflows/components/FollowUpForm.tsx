/**
 * Under an agent step's log, once its turn has ended: a message to the agent that continues the step's session.
 * The agent's events join the log above; its answer is shown here and kept, with the message, as step comments.
 */
import { useState } from 'react';
import type { Step } from '../../../../../protocol/runs.ts';
import { useFollowUp } from '../hooks/useFollowUp.ts';
import { MarkdownText } from './Markdown.tsx';

/**
 * Whether a step can take a follow-up now: an agent step whose CLI reported a session and whose turn has ended —
 * finished, or stopped by a pause of its run.
 */
export function acceptsFollowUp(step: Step, runStatus: string): boolean {
  if (step.type !== 'agent' || step.cli_session_id === null || step.status === 'running') return false;
  return step.status !== 'pending' || runStatus === 'paused';
}

export function FollowUpForm(props: { runId: string; step: Step; onAnswered(): void }) {
  const [text, setText] = useState('');
  const followUp = useFollowUp(props.runId);
  const submit = () => {
    const message = text.trim();
    if (!message || followUp.isPending) return;
    followUp.mutate(
      { stepRowId: props.step.id, message },
      {
        onSuccess: () => {
          setText('');
          props.onAnswered();
        },
      },
    );
  };
  return (
    <form
      className="composer follow-up"
      aria-label="Follow-up"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {followUp.data && (
        <div className="follow-up-answer" data-testid="follow-up-answer">
          <MarkdownText text={followUp.data.reply.text} />
        </div>
      )}
      <textarea
        value={text}
        placeholder={`Message ${props.step.name}: its session continues. ⌘/Ctrl+Enter sends.`}
        aria-label="Follow-up message"
        rows={2}
        disabled={followUp.isPending}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) submit();
        }}
      />
      <div className="composer-bar">
        <span className="muted">{followUp.isPending ? 'The agent is answering…' : ''}</span>
        <span className="toolbar-spacer" />
        <button type="submit" className="btn btn-primary" disabled={!text.trim() || followUp.isPending}>
          Send follow-up
        </button>
      </div>
    </form>
  );
}
