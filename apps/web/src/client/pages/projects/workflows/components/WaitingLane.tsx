/**
 * Waiting on you: every run that needs a person (at a gate, paused, failed), oldest first, above the board, with
 * its one action a click or a key away: `a` approves, `r` resumes or retries, `o` opens the first of them. A gate
 * can be refused too: Request changes sends the phase before it back with a comment.
 */
import type { BoardCard } from '../../../../../protocol/board.ts';
import type { WorkflowDefinition } from '../../../../../protocol/templates.ts';
import { formatRelative } from '../../../../lib/format.ts';
import { StatusBadge } from '../../../../components/StatusBadge.tsx';
import type { RunAction } from '../hooks/useRunActions.ts';
import { waitingLabel, waitReason } from '../lib/waiting.ts';
import { RunInputForm } from './InputForm.tsx';

export interface WaitingLaneProps {
  runs: BoardCard[];
  templates: WorkflowDefinition[];
  onOpen(runId: string): void;
  onAction(runId: string, action: RunAction): void;
}

const REASON_TEXT = {
  gate: 'waits for approval',
  input: 'asks you',
  paused: 'is paused',
  failed: 'failed',
} as const;
/** A gate on the first phase has nothing before it to send back. */
const hasPhaseBefore = (phases: { id: string }[], gate: string | null) => phases.findIndex((p) => p.id === gate) > 0;

/** The lane lists the oldest ones; a person works from the top, and the count says how many more there are. */
const SHOWN = 50;

export function WaitingLane({ runs, templates, onOpen, onAction }: WaitingLaneProps) {
  if (runs.length === 0) return null;
  const templateOf = (id: string) => templates.find((t) => t.id === id);
  return (
    <section className="waiting" aria-label="Waiting on you" data-testid="waiting-lane">
      <header className="waiting-head">
        <h2>
          Waiting on you <span className="count count-accent">{runs.length}</span>
        </h2>
        <p className="hint">
          oldest first · <kbd>a</kbd> approve · <kbd>r</kbd> resume/retry · <kbd>o</kbd> open
        </p>
      </header>
      <ul className="waiting-list">
        {runs.slice(0, SHOWN).map((run, index) => {
          const reason = waitReason(run)!;
          const template = templateOf(run.workflow_definition_id);
          const gate = template?.phases.find((p) => p.id === run.waiting_gate)?.label;
          return (
            <li key={run.id} className={`waiting-item reason-${reason}`} data-run-id={run.id} data-first={index === 0}>
              <StatusBadge status={run.status} label={waitingLabel(run)} />
              <button className="link waiting-name" onClick={() => onOpen(run.id)}>
                {run.name}
              </button>
              <span className="waiting-why">
                {template?.name ?? 'Run'} {REASON_TEXT[reason]}
                {gate ? ` at ${gate}` : ''}
                {reason === 'failed' && run.error ? `: ${run.error}` : ''} · {formatRelative(run.updated_at)}
              </span>
              <span className="waiting-actions">
                {reason === 'gate' && hasPhaseBefore(template?.phases ?? [], run.waiting_gate) && (
                  <button className="btn btn-sm" onClick={() => onAction(run.id, { kind: 'request-changes' })}>
                    Request changes
                  </button>
                )}
                {reason === 'gate' && (
                  <button className="btn btn-primary btn-sm" onClick={() => onAction(run.id, { kind: 'advance' })}>
                    Approve
                  </button>
                )}
                {reason === 'paused' && (
                  <button className="btn btn-primary btn-sm" onClick={() => onAction(run.id, { kind: 'resume' })}>
                    Resume
                  </button>
                )}
                {reason === 'failed' && (
                  <button className="btn btn-sm" onClick={() => onAction(run.id, { kind: 'resume' })}>
                    Retry
                  </button>
                )}
                <button className="btn btn-ghost btn-sm" onClick={() => onOpen(run.id)}>
                  Open
                </button>
              </span>
              {reason === 'input' && (
                <div className="waiting-input">
                  <RunInputForm runId={run.id} />
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {runs.length > SHOWN && <p className="waiting-more">and {runs.length - SHOWN} more, newer</p>}
    </section>
  );
}
