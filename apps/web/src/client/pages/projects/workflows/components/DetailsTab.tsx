/** The Details tab: the run's args, ids and timestamps, tokens and cost per step, and the pinned template source. */
import type { RunHistory } from '../../../../../protocol/board.ts';
import type { RunDetail, Step } from '../../../../../protocol/runs.ts';
import { between, formatCost, formatDuration, formatTimestamp } from '../../../../lib/format.ts';
import { StatusBadge } from '../../../../components/StatusBadge.tsx';
import { costOf } from '../lib/boardPatch.ts';
import { StepTypeIcon } from './StepTypeIcon.tsx';
import { HighlightedSource } from './HighlightedSource.tsx';

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
