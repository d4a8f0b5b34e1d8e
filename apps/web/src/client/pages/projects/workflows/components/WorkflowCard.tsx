/**
 * A run on the board: name, template, status (glyph and word, never colour alone), steps done, the current step
 * with its latest activity line, cost so far, lines its commits added and deleted, time in phase, comment and
 * artifact counts, and a badge when a restarted server resumed it. Click or Enter opens the detail; Space picks it up to move it by keyboard.
 */
import { memo } from 'react';
import type { CSSProperties, HTMLAttributes } from 'react';
import type { BoardCard } from '../../../../../protocol/board.ts';
import type { Phase } from '../../../../../protocol/templates.ts';
import { between, formatCost, formatDuration } from '../../../../lib/format.ts';
import { Icon } from '../../../../components/Icon.tsx';
import { StatusBadge } from '../../../../components/StatusBadge.tsx';
import type { RunAction } from '../hooks/useRunActions.ts';
import { RunMenu } from './RunMenu.tsx';
import { StepTypeIcon } from './StepTypeIcon.tsx';
import { waitingLabel } from '../lib/waiting.ts';

export interface WorkflowCardProps {
  card: BoardCard;
  templateName: string;
  phases: Phase[];
  now: number;
  showTemplate?: boolean;
  dragging?: boolean;
  dragHandle?: HTMLAttributes<HTMLDivElement>;
  bindNode?: (node: HTMLElement | null) => void;
  style?: CSSProperties;
  onOpen(runId: string): void;
  onAction(runId: string, action: RunAction): void;
}

function Progress({ done, total, finished }: { done: number; total: number | null; finished: boolean }) {
  const shownTotal = total === null ? null : Math.max(total, done);
  // A TypeScript template declares no step count: its bar is full once the run is, empty until then.
  const ratio = shownTotal ? done / shownTotal : finished ? 1 : 0;
  return (
    <div className="card-progress">
      <div className="progress-track" aria-hidden>
        <div className="progress-fill" style={{ width: `${Math.round(ratio * 100)}%` }} />
      </div>
      <span className="card-progress-label">
        {shownTotal === null ? `${done} steps` : `${done}/${shownTotal} steps`}
      </span>
    </div>
  );
}

export const WorkflowCard = memo(function WorkflowCard({ bindNode, dragHandle, ...props }: WorkflowCardProps) {
  const { card, now } = props;
  const inPhase = between(card.phase_entered_at ?? card.started_at, null, now);
  const recovered = card.recovered_at ? card.recovered_at_step : undefined;
  return (
    <div
      ref={bindNode}
      className={`card status-${card.status}${props.dragging ? ' is-dragging' : ''}`}
      data-run-id={card.id}
      data-testid="run-card"
      style={props.style}
      {...dragHandle}
      aria-label={`${card.name}, ${card.status}`}
      onClick={() => props.onOpen(card.id)}
      onKeyDown={(event) => {
        dragHandle?.onKeyDown?.(event);
        if (!event.defaultPrevented && event.key === 'Enter') props.onOpen(card.id);
      }}
    >
      <div className="card-head">
        <span className="card-name">{card.name}</span>
        <div onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
          <RunMenu
            status={card.status}
            phases={props.phases}
            label={card.name}
            waitingGate={card.status === 'waiting' ? card.waiting_gate : null}
            onAction={(action) => props.onAction(card.id, action)}
          />
        </div>
      </div>
      <div className="card-meta">
        <StatusBadge status={card.status} label={waitingLabel(card)} />
        {props.showTemplate && <span className="card-template">{props.templateName}</span>}
        {card.status === 'waiting' && card.waiting_gate && (
          <span className="card-gate">
            at {props.phases.find((p) => p.id === card.waiting_gate)?.label ?? card.waiting_gate}
          </span>
        )}
        {card.status === 'waiting' && card.wake_at && (
          <span className="card-gate" title={card.wake_at}>
            sleeps until {new Date(card.wake_at).toLocaleTimeString()}
          </span>
        )}
        {card.pause_requested && card.status === 'running' && <span className="card-gate">pausing…</span>}
      </div>
      <Progress done={card.steps_done} total={card.steps_total} finished={card.status === 'completed'} />
      {card.current_step && (
        <div className="card-step">
          <StepTypeIcon type={card.current_step.type} />
          <span className="card-step-name">{card.current_step.name}</span>
        </div>
      )}
      {(card.activity || (card.status === 'failed' && card.error)) && (
        <div className={`card-activity${card.status === 'failed' ? ' is-error' : ''}`} data-testid="card-activity">
          {card.status === 'failed' && card.error ? card.error : card.activity}
        </div>
      )}
      <div className="card-foot">
        {card.cost_usd > 0 && (
          <span className="chip" title="Cost so far, as the agents reported it">
            {formatCost(card.cost_usd)}
          </span>
        )}
        {Number.isFinite(inPhase) && card.status !== 'completed' && card.status !== 'cancelled' && (
          <span className="chip" title="Time in this phase">
            <Icon name="clock" /> {formatDuration(inPhase)}
          </span>
        )}
        {((card.additions ?? 0) > 0 || (card.deletions ?? 0) > 0) && (
          <span
            className="chip"
            data-testid="card-changes"
            aria-label={`${card.additions ?? 0} lines added, ${card.deletions ?? 0} deleted`}
            title="Lines the run's commits added and deleted"
          >
            <span className="diff-count-add">+{card.additions ?? 0}</span>{' '}
            <span className="diff-count-del">−{card.deletions ?? 0}</span>
          </span>
        )}
        {card.comment_count > 0 && (
          <span className="chip" aria-label={`${card.comment_count} comments`} title="Comments">
            <Icon name="comment" /> {card.comment_count}
          </span>
        )}
        {card.artifact_count > 0 && (
          <span className="chip" aria-label={`${card.artifact_count} artifacts`} title="Artifacts">
            <Icon name="clip" /> {card.artifact_count}
          </span>
        )}
        {recovered !== undefined && (
          <span className="chip chip-recovered" title={`Resumed after restart at step ${recovered ?? '?'}`}>
            <Icon name="restart" /> resumed at step {recovered ?? '?'}
          </span>
        )}
      </div>
    </div>
  );
});
