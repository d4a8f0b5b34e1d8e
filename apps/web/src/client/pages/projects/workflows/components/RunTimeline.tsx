/**
 * The run's timeline: phases in order, each with its steps (status, type, duration, attempts, agent session),
 * superseded attempts kept (greyed) under the step that replaced them, and the comments and artifacts made there
 * interleaved by time. A restart that resumed the run is shown where it happened.
 */
import type { Artifact } from '../../../../../protocol/artifacts.ts';
import type { Comment } from '../../../../../protocol/comments.ts';
import type { Step } from '../../../../../protocol/runs.ts';
import type { Phase } from '../../../../../protocol/templates.ts';
import { between, formatDuration, formatRelative } from '../../../../lib/format.ts';
import { Icon } from '../../../../components/Icon.tsx';
import { STEP_STATUS_LOOK } from '../lib/runStatus.ts';
import { StepTypeIcon } from './StepTypeIcon.tsx';

export interface RunTimelineProps {
  phases: Phase[];
  currentPhase: string | null;
  steps: Step[];
  comments: Comment[];
  artifacts: Artifact[];
  selectedStepId: string | null;
  recoveredAtStep: number | null | undefined;
  onSelectStep(stepRowId: string): void;
}

function StepRow(props: { step: Step; selected: boolean; superseded?: boolean; onSelect(): void }) {
  const { step } = props;
  const look = STEP_STATUS_LOOK[step.status];
  return (
    <button
      className={`tl-step${props.selected ? ' is-selected' : ''}${props.superseded ? ' is-superseded' : ''}`}
      onClick={props.onSelect}
      aria-current={props.selected ? 'true' : undefined}
      data-testid="timeline-step"
      data-step-id={step.step_id}
      data-status={step.status}
    >
      <span className={`tl-dot tone-${look.tone}`} aria-label={look.label} role="img">
        {step.status === 'running' ? <span className="spinner" /> : look.glyph}
      </span>
      <StepTypeIcon type={step.type} />
      <span className="tl-step-name">{step.name}</span>
      <span className="tl-step-meta">
        {props.superseded && <span className="chip">superseded</span>}
        {step.attempt > 1 && <span className="chip">attempt {step.attempt}</span>}
        {(step.output?.attempts ?? 1) > 1 && <span className="chip">{step.output!.attempts} tries</span>}
        {step.cli_session_id && (
          <span className="chip mono" title={`Agent session ${step.cli_session_id}`}>
            {step.cli_session_id.slice(0, 6)}
          </span>
        )}
        <span className="muted">{formatDuration(between(step.started_at, step.finished_at))}</span>
      </span>
    </button>
  );
}

export function RunTimeline(props: RunTimelineProps) {
  const active = props.steps.filter((s) => s.invalidated_at === null);
  const superseded = props.steps.filter((s) => s.invalidated_at !== null);
  const runComments = props.comments.filter((c) => c.workflow_run_step_id === null);
  const notesOf = (stepRowIds: string[]) => {
    const ids = new Set(stepRowIds);
    const comments = props.comments.filter((c) => c.workflow_run_step_id && ids.has(c.workflow_run_step_id));
    const artifacts = props.artifacts.filter((a) => ids.has(a.workflow_run_step_id));
    return [
      ...comments.map((c) => ({ at: c.created_at, key: c.id, node: <TimelineComment comment={c} /> })),
      ...artifacts.map((a) => ({ at: a.created_at, key: a.id, node: <TimelineArtifact artifact={a} /> })),
    ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  };
  return (
    <ol className="timeline" aria-label="Timeline">
      {props.phases.map((phase) => {
        const steps = active.filter((s) => s.phase === phase.id);
        const old = superseded.filter((s) => s.phase === phase.id);
        const state =
          phase.id === props.currentPhase
            ? 'current'
            : steps.length && steps.every((s) => s.status !== 'running')
              ? 'done'
              : 'todo';
        return (
          <li key={phase.id} className={`tl-phase is-${state}`} data-testid="timeline-phase" data-phase={phase.id}>
            <div className="tl-phase-head">
              {phase.gate && <Icon name="gate" label="Gate" />}
              <span>{phase.label}</span>
              {phase.gate && <span className="chip">manual gate</span>}
            </div>
            {steps.length === 0 && old.length === 0 && <div className="tl-none">No steps yet</div>}
            {steps.map((step) => (
              <div key={step.id}>
                {props.recoveredAtStep !== null &&
                  props.recoveredAtStep !== undefined &&
                  step.step_index === props.recoveredAtStep && (
                    <div className="tl-recovered">
                      <Icon name="restart" /> Resumed after restart at step {props.recoveredAtStep}
                    </div>
                  )}
                <StepRow
                  step={step}
                  selected={props.selectedStepId === step.id}
                  onSelect={() => props.onSelectStep(step.id)}
                />
                {old
                  .filter((o) => o.step_id === step.step_id)
                  .map((o) => (
                    <StepRow
                      key={o.id}
                      step={o}
                      superseded
                      selected={props.selectedStepId === o.id}
                      onSelect={() => props.onSelectStep(o.id)}
                    />
                  ))}
                {notesOf([step.id, ...old.filter((o) => o.step_id === step.step_id).map((o) => o.id)]).map((n) => (
                  <div key={n.key}>{n.node}</div>
                ))}
              </div>
            ))}
            {old
              .filter((o) => !steps.some((s) => s.step_id === o.step_id))
              .map((o) => (
                <StepRow
                  key={o.id}
                  step={o}
                  superseded
                  selected={props.selectedStepId === o.id}
                  onSelect={() => props.onSelectStep(o.id)}
                />
              ))}
          </li>
        );
      })}
      {runComments.length > 0 && (
        <li className="tl-phase">
          <div className="tl-phase-head">On the run</div>
          {runComments.map((c) => (
            <TimelineComment key={c.id} comment={c} />
          ))}
        </li>
      )}
    </ol>
  );
}

function TimelineComment({ comment }: { comment: Comment }) {
  return (
    <div className="tl-note">
      <Icon name="comment" />
      <span className="tl-note-text">{comment.text.split('\n')[0]}</span>
      <span className="muted">{formatRelative(comment.created_at)}</span>
    </div>
  );
}

function TimelineArtifact({ artifact }: { artifact: Artifact }) {
  return (
    <div className="tl-note">
      <Icon name="clip" />
      <a className="tl-note-text" href={`/api/artifacts/${artifact.id}`} target="_blank" rel="noreferrer">
        {artifact.name}
      </a>
      <span className="muted">{formatRelative(artifact.created_at)}</span>
    </div>
  );
}
