/**
 * The Details tab: the run's args, its workspace (branch, base, merging it), tokens and cost per step, ids and
 * timestamps, and the pinned template source.
 */
import type { RunHistory } from '../../../../../protocol/board.ts';
import type { RunDetail, Step } from '../../../../../protocol/runs.ts';
import { between, formatCost, formatDuration, formatTimestamp } from '../../../../lib/format.ts';
import { StatusBadge } from '../../../../components/StatusBadge.tsx';
import { costOf } from '../lib/boardPatch.ts';
import { StepTypeIcon } from './StepTypeIcon.tsx';
import { HighlightedSource } from './HighlightedSource.tsx';
import { MergeAction } from './MergeAction.tsx';

function tokensOf(step: Step): { input: number; output: number } | null {
  const usage = (step.output?.data as { usage?: { input?: number; output?: number } } | undefined)?.usage;
  return usage ? { input: usage.input ?? 0, output: usage.output ?? 0 } : null;
}

export function DetailsTab({ run, history }: { run: RunDetail; history: RunHistory | undefined }) {
  const steps = run.steps;
  const total = steps.reduce((sum, step) => sum + costOf(step.output), 0);
  return (
    <div className="details" data-testid="details-tab">
      <section>
        <h4>Args</h4>
        <pre className="code-block">{JSON.stringify(run.args, null, 2)}</pre>
      </section>
      <WorkspaceSection run={run} />
      <section>
        <h4>Steps</h4>
        <table className="table">
          <thead>
            <tr>
              <th>Step</th>
              <th>Status</th>
              <th className="num">Duration</th>
              <th className="num">Tokens in / out</th>
              <th className="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((step) => {
              const tokens = tokensOf(step);
              const cost = costOf(step.output);
              return (
                <tr key={step.id}>
                  <td>
                    <StepTypeIcon type={step.type} /> {step.name}
                  </td>
                  <td>
                    <StatusBadge status={step.status} kind="step" />
                  </td>
                  <td className="num">{formatDuration(between(step.started_at, step.finished_at))}</td>
                  <td className="num">
                    {tokens ? `${tokens.input.toLocaleString()} / ${tokens.output.toLocaleString()}` : '—'}
                  </td>
                  <td className="num">{cost > 0 ? formatCost(cost) : '—'}</td>
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr>
              <td colSpan={4}>Total</td>
              <td className="num">{formatCost(total)}</td>
            </tr>
          </tfoot>
        </table>
      </section>
      <section>
        <h4>Identity</h4>
        <dl className="facts">
          <dt>Run</dt>
          <dd className="mono">{run.id}</dd>
          <dt>Template</dt>
          <dd>
            {run.workflow_definition?.name} <span className="mono muted">{run.workflow_definition_id}</span>
          </dd>
          <dt>Template hash</dt>
          <dd className="mono">{run.workflow_definition?.content_hash.slice(0, 16) ?? '—'}</dd>
          <dt>Project</dt>
          <dd className="mono">{run.project_id}</dd>
          <dt>Worker</dt>
          <dd className="mono">{run.worker ?? '—'}</dd>
          <dt>Created</dt>
          <dd>{formatTimestamp(run.created_at)}</dd>
          <dt>Started</dt>
          <dd>{formatTimestamp(run.started_at)}</dd>
          <dt>Paused</dt>
          <dd>{formatTimestamp(run.paused_at)}</dd>
          <dt>Finished</dt>
          <dd>{formatTimestamp(run.completed_at ?? run.cancelled_at)}</dd>
        </dl>
      </section>
      <section>
        <h4>Pinned template</h4>
        {history?.source ? (
          <HighlightedSource source={history.source} />
        ) : (
          <p className="muted">The run pins its template when it starts; this one has no snapshot yet.</p>
        )}
      </section>
    </div>
  );
}

/** Where the run worked, and — for a worktree run — its branch, its base and how to merge it. */
function WorkspaceSection({ run }: { run: RunDetail }) {
  const { workspace } = run;
  if (workspace.mode === 'in-place') {
    return (
      <section data-testid="workspace-details">
        <h4>Workspace</h4>
        <p className="muted">
          In place: the run works in the project directory itself, with no branch of its own.
          {workspace.note && ` ${workspace.note}.`}
        </p>
      </section>
    );
  }
  const branch = workspace.branch!;
  const baseRef = workspace.base_ref;
  const byHand = baseRef
    ? `git switch ${baseRef}\ngit merge --ff-only ${branch}   # or: git merge ${branch}`
    : `git merge --ff-only ${branch}   # on the branch you want it in`;
  return (
    <section data-testid="workspace-details">
      <h4>Workspace</h4>
      <dl className="facts">
        <dt>Branch</dt>
        <dd className="mono">{branch}</dd>
        <dt>Base</dt>
        <dd>
          {baseRef ? <span className="mono">{baseRef}</span> : 'a commit'}{' '}
          <span className="mono muted">{workspace.base?.slice(0, 12)}</span>
        </dd>
        <dt>Worktree</dt>
        <dd className="mono">{workspace.path}</dd>
        {workspace.note && (
          <>
            <dt>Note</dt>
            <dd>{workspace.note}</dd>
          </>
        )}
      </dl>
      <MergeAction run={run} />
      <details className="merge-by-hand">
        <summary>Merge by hand</summary>
        <pre className="code-block mono">{`git log --oneline ${workspace.base?.slice(0, 12)}..${branch}\n${byHand}`}</pre>
      </details>
    </section>
  );
}
