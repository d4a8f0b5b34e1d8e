/**
 * A run's detail as a drawer, addressed by the URL (`?run=<id>&tab=logs&step=<step row id>`): a header with status,
 * phase, cost, duration and controls; the timeline on the left; tabs Logs, Changes, Artifacts, Comments and Details.
 */
import * as Dialog from '@radix-ui/react-dialog';
import * as Tabs from '@radix-ui/react-tabs';
import { useState } from 'react';
import type { Step } from '../../../../../protocol/runs.ts';
import { between, formatCost, formatDuration } from '../../../../lib/format.ts';
import { Icon } from '../../../../components/Icon.tsx';
import { StatusBadge } from '../../../../components/StatusBadge.tsx';
import { Skeleton } from '../../../../components/Skeleton.tsx';
import type { RunAction } from '../hooks/useRunActions.ts';
import { useNow } from '../hooks/useNow.ts';
import { useRun, useRunHistory } from '../hooks/useWorkflowRuns.ts';
import { costOf } from '../lib/boardPatch.ts';
import { useSearchParam } from '../../../../lib/router.ts';
import { useForkRun } from '../hooks/useForkRun.ts';
import { ArtifactsList } from './ArtifactsList.tsx';
import { ChangesTab } from './ChangesTab.tsx';
import type { DetailTab } from './detailTabs.ts';
import { CommentsList } from './CommentsList.tsx';
import { DetailsTab } from './DetailsTab.tsx';
import { LOG_TYPES, LogView } from './LogView.tsx';
import { acceptsFollowUp, FollowUpForm } from './FollowUpForm.tsx';
import type { LogType } from './LogView.tsx';
import { RunMenu } from './RunMenu.tsx';
import { RunTimeline } from './RunTimeline.tsx';
import { StepTypeIcon } from './StepTypeIcon.tsx';
import { InputForm, waitingInput } from './InputForm.tsx';

export interface StepDetailModalProps {
  runId: string;
  tab: DetailTab;
  stepId: string | null;
  logType: LogType;
  onNavigate(changes: { tab?: DetailTab; step?: string; log?: LogType }): void;
  onClose(): void;
  onAction(runId: string, action: RunAction): void;
  onRunAgain(templateId: string, args: unknown): void;
}

function pickStep(steps: Step[], stepId: string | null): Step | null {
  return (
    steps.find((s) => s.id === stepId) ??
    steps.find((s) => s.status === 'running' && s.invalidated_at === null) ??
    steps.filter((s) => s.invalidated_at === null).at(-1) ??
    null
  );
}

export function StepDetailModal(props: StepDetailModalProps) {
  const run = useRun(props.runId);
  const history = useRunHistory(props.runId);
  const fork = useForkRun();
  /** Follow-ups answered in this view: each remounts the log, which then reads the events they appended. */
  const [followUps, setFollowUps] = useState(0);
  const [, setSearch] = useSearchParam();
  const now = useNow(1_000);
  const data = run.data;
  const allSteps = history.data?.steps ?? data?.steps ?? [];
  const step = pickStep(allSteps, props.stepId);
  const phases = data?.workflow_definition?.phases ?? [];
  const cost = (data?.steps ?? []).reduce((sum, s) => sum + costOf(s.output), 0);
  const phaseLabel = phases.find((p) => p.id === data?.current_phase)?.label ?? data?.current_phase ?? 'Not started';
  const recoveredAtStep = (data as { recovered_at_step?: number | null } | undefined)?.recovered_at_step;
  const finishedAt = data?.completed_at ?? data?.cancelled_at ?? (data?.status === 'failed' ? data.updated_at : null);

  return (
    <Dialog.Root open onOpenChange={(open) => !open && props.onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay overlay-drawer" />
        <Dialog.Content
          className="drawer"
          aria-describedby={undefined}
          data-testid="run-detail"
          // Focus the drawer itself, not its first button: Escape and Tab work at once, and no ring lights up.
          onOpenAutoFocus={(event) => {
            event.preventDefault();
            (event.currentTarget as HTMLElement).focus();
          }}
          tabIndex={-1}
        >
          <header className="drawer-head">
            <div className="drawer-title-row">
              <Dialog.Title className="drawer-title">{data?.name ?? <Skeleton width={200} height={20} />}</Dialog.Title>
              {data && <StatusBadge status={data.status} />}
              <span className="toolbar-spacer" />
              {data?.status === 'waiting' &&
                data.waiting_gate &&
                phases.findIndex((p) => p.id === data.waiting_gate) > 0 && (
                  <button className="btn" onClick={() => props.onAction(data.id, { kind: 'request-changes' })}>
                    Request changes
                  </button>
                )}
              {data?.status === 'waiting' && data.waiting_gate && (
                <button className="btn btn-primary" onClick={() => props.onAction(data.id, { kind: 'advance' })}>
                  Approve gate
                </button>
              )}
              {(data?.status === 'paused' || data?.status === 'failed') && (
                <button className="btn btn-primary" onClick={() => props.onAction(data.id, { kind: 'resume' })}>
                  {data.status === 'failed' ? 'Retry' : 'Resume'}
                </button>
              )}
              {data?.status === 'running' && (
                <button className="btn" onClick={() => props.onAction(data.id, { kind: 'pause' })}>
                  Pause
                </button>
              )}
              {data &&
                (data.status === 'running' ||
                  data.status === 'pending' ||
                  data.status === 'waiting' ||
                  data.status === 'paused') && (
                  <button className="btn btn-danger-ghost" onClick={() => props.onAction(data.id, { kind: 'cancel' })}>
                    Cancel
                  </button>
                )}
              {data && (data.status === 'completed' || data.status === 'failed' || data.status === 'cancelled') && (
                <button className="btn" onClick={() => props.onRunAgain(data.workflow_definition_id, data.args)}>
                  Run again
                </button>
              )}
              {data && (
                <RunMenu
                  status={data.status}
                  phases={phases}
                  label={data.name}
                  waitingGate={data.status === 'waiting' ? data.waiting_gate : null}
                  onAction={(action) => props.onAction(data.id, action)}
                />
              )}
              <Dialog.Close className="icon-btn" aria-label="Close">
                <Icon name="close" size={16} />
              </Dialog.Close>
            </div>
            {data && (
              <dl className="drawer-facts">
                <div>
                  <dt>Template</dt>
                  <dd>{data.workflow_definition?.name}</dd>
                </div>
                <div>
                  <dt>Phase</dt>
                  <dd>{phaseLabel}</dd>
                </div>
                <div>
                  <dt>Cost</dt>
                  <dd>{formatCost(cost)}</dd>
                </div>
                <div>
                  <dt>Duration</dt>
                  <dd>{formatDuration(between(data.started_at, finishedAt, now))}</dd>
                </div>
                {data.parent_run_id && (
                  <div>
                    <dt>Forked from</dt>
                    <dd>
                      <button
                        className="link-btn mono"
                        data-testid="parent-run"
                        onClick={() => setSearch({ run: data.parent_run_id, tab: 'logs', step: null, log: null })}
                      >
                        {data.parent_run_id.slice(0, 8)}
                      </button>
                    </dd>
                  </div>
                )}
                {data.workspace.branch && (
                  <div>
                    <dt>Branch</dt>
                    <dd className="mono">{data.workspace.branch}</dd>
                  </div>
                )}
                <div>
                  <dt>Steps</dt>
                  <dd>{data.steps.filter((s) => s.status !== 'running').length}</dd>
                </div>
              </dl>
            )}
            {data?.error && <div className="banner banner-danger">{data.error}</div>}
            {data?.status === 'waiting' && waitingInput(data.steps) && (
              <InputForm runId={data.id} step={waitingInput(data.steps)!} />
            )}
          </header>
          <div className="drawer-body">
            <aside className="drawer-timeline">
              {data ? (
                <RunTimeline
                  phases={phases}
                  currentPhase={data.current_phase}
                  steps={allSteps}
                  comments={data.comments}
                  artifacts={history.data?.artifacts ?? []}
                  selectedStepId={step?.id ?? null}
                  recoveredAtStep={recoveredAtStep}
                  onSelectStep={(id) =>
                    props.onNavigate({ step: id, tab: props.tab === 'details' ? 'logs' : props.tab })
                  }
                />
              ) : (
                <Skeleton height={240} />
              )}
            </aside>
            <Tabs.Root
              className="drawer-tabs"
              value={props.tab}
              onValueChange={(value) => props.onNavigate({ tab: value as DetailTab })}
            >
              <Tabs.List className="tabs" aria-label="Run detail">
                <Tabs.Trigger className="tab" value="logs">
                  Logs
                </Tabs.Trigger>
                <Tabs.Trigger className="tab" value="changes">
                  Changes
                </Tabs.Trigger>
                <Tabs.Trigger className="tab" value="artifacts">
                  Artifacts <span className="count">{history.data?.artifacts.length ?? 0}</span>
                </Tabs.Trigger>
                <Tabs.Trigger className="tab" value="comments">
                  Comments <span className="count">{data?.comments.length ?? 0}</span>
                </Tabs.Trigger>
                <Tabs.Trigger className="tab" value="details">
                  Details
                </Tabs.Trigger>
              </Tabs.List>
              <Tabs.Content value="logs" className="tab-panel">
                {step ? (
                  <>
                    <div className="tab-bar">
                      <span className="log-step">
                        <StepTypeIcon type={step.type} /> {step.name}
                        <StatusBadge status={step.status} kind="step" />
                      </span>
                      <span className="toolbar-spacer" />
                      <div className="segmented" role="group" aria-label="Log">
                        {LOG_TYPES.map((type) => (
                          <button
                            key={type}
                            aria-pressed={props.logType === type}
                            onClick={() => props.onNavigate({ log: type })}
                          >
                            {type}
                          </button>
                        ))}
                      </div>
                      {data && step.invalidated_at === null && (
                        <button
                          className="btn btn-sm"
                          disabled={fork.isPending}
                          title="A new run of this template and args that starts at this step"
                          onClick={() => fork.mutate({ runId: data.id, stepRowId: step.id })}
                        >
                          Fork from here
                        </button>
                      )}
                    </div>
                    <LogView key={`${step.id}:${props.logType}:${followUps}`} step={step} type={props.logType} />
                    {data && acceptsFollowUp(step, data.status) && step.invalidated_at === null && (
                      <FollowUpForm
                        runId={data.id}
                        step={step}
                        runStatus={data.status}
                        onAnswered={() => setFollowUps((n) => n + 1)}
                      />
                    )}
                  </>
                ) : (
                  <p className="muted pad">No step has started yet.</p>
                )}
              </Tabs.Content>
              <Tabs.Content value="changes" className="tab-panel">
                {data && (
                  <ChangesTab
                    key={step?.id ?? 'run'}
                    run={data}
                    step={step}
                    forking={fork.isPending}
                    onFork={(stepRowId) => fork.mutate({ runId: data.id, stepRowId })}
                  />
                )}
              </Tabs.Content>
              <Tabs.Content value="artifacts" className="tab-panel">
                {data && (
                  <ArtifactsList
                    runId={data.id}
                    artifacts={history.data?.artifacts ?? []}
                    steps={data.steps}
                    defaultStepId={step?.invalidated_at === null ? step.id : null}
                  />
                )}
              </Tabs.Content>
              <Tabs.Content value="comments" className="tab-panel">
                {data && (
                  <CommentsList
                    runId={data.id}
                    comments={data.comments}
                    steps={data.steps}
                    artifacts={history.data?.artifacts ?? []}
                    defaultStepId={step?.invalidated_at === null ? step.id : null}
                  />
                )}
              </Tabs.Content>
              <Tabs.Content value="details" className="tab-panel">
                {data && <DetailsTab run={data} history={history.data} />}
              </Tabs.Content>
            </Tabs.Root>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
