/**
 * Completed: finished runs as a table with status, template and date filters, a search, pagination, and delete
 * of one run or many after a confirmation. Filters live in the URL like the board's.
 */
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { RunStatus } from '@switchyard/workflow-engine/vocabulary';
import type { WorkflowDefinition } from '../../../../../protocol/templates.ts';
import { between, formatCost, formatDuration, formatTimestamp } from '../../../../lib/format.ts';
import { ConfirmDialog } from '../../../../components/ConfirmDialog.tsx';
import { EmptyState } from '../../../../components/EmptyState.tsx';
import { Icon } from '../../../../components/Icon.tsx';
import { Skeleton } from '../../../../components/Skeleton.tsx';
import { StatusBadge } from '../../../../components/StatusBadge.tsx';
import { useFinishedRuns } from '../hooks/useWorkflowRuns.ts';
import { performRunAction } from '../hooks/useRunActions.ts';
import { costOf } from '../lib/boardPatch.ts';
import { useWorkflowStore } from '../stores/workflowStore.ts';

export interface CompletedFiltersState {
  status: RunStatus | null;
  templateId: string | null;
  text: string;
  since: string | null;
  page: number;
}

export interface CompletedTableProps {
  projectId: string;
  templates: WorkflowDefinition[];
  filters: CompletedFiltersState;
  onFilters(changes: Partial<CompletedFiltersState>): void;
  onOpen(runId: string): void;
}

const PAGE = 25;
const costCell = (usd: number) => (usd > 0 ? formatCost(usd) : '—');

export function CompletedTable({ projectId, templates, filters, onFilters, onOpen }: CompletedTableProps) {
  const client = useQueryClient();
  const query = useFinishedRuns(projectId, {
    status: filters.status ? [filters.status] : [],
    templateId: filters.templateId,
    text: filters.text,
    since: filters.since,
    limit: PAGE,
    offset: filters.page * PAGE,
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState<string[] | null>(null);
  const [deleting, setDeleting] = useState(false);

  const narrowed = Boolean(filters.text.trim() || filters.since || filters.status || filters.templateId);
  const rows = query.data?.data ?? [];
  const total = query.data?.pagination.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const templateName = (id: string) => templates.find((t) => t.id === id)?.name ?? '—';

  const remove = async (ids: string[]) => {
    setDeleting(true);
    const failed: string[] = [];
    for (const id of ids) await performRunAction(id, { kind: 'delete' }).catch(() => failed.push(id));
    setDeleting(false);
    setConfirming(null);
    setSelected(new Set());
    if (failed.length)
      useWorkflowStore.getState().pushToast({ tone: 'danger', title: `${failed.length} run(s) could not be deleted` });
    else useWorkflowStore.getState().pushToast({ tone: 'info', title: `Deleted ${ids.length} run(s)` });
    await client.invalidateQueries({ queryKey: ['workflow-executions', projectId] });
  };

  return (
    <div className="completed">
      <div className="toolbar">
        <select
          aria-label="Status"
          value={filters.status ?? ''}
          onChange={(e) => onFilters({ status: (e.target.value || null) as RunStatus | null, page: 0 })}
        >
          <option value="">All finished</option>
          <option value="completed">Completed</option>
          <option value="failed">Failed</option>
          <option value="cancelled">Cancelled</option>
        </select>
        <select
          aria-label="Template"
          value={filters.templateId ?? ''}
          onChange={(e) => onFilters({ templateId: e.target.value || null, page: 0 })}
        >
          <option value="">All templates</option>
          {templates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        <label className="field-inline">
          Since
          <input
            type="date"
            aria-label="Since"
            value={filters.since ?? ''}
            onChange={(e) => onFilters({ since: e.target.value || null, page: 0 })}
          />
        </label>
        <div className="search">
          <Icon name="search" />
          <input
            type="search"
            aria-label="Search finished runs"
            placeholder="Search names and args"
            value={filters.text}
            data-shortcut="search"
            onChange={(e) => onFilters({ text: e.target.value, page: 0 })}
          />
        </div>
        <span className="toolbar-spacer" />
        {selected.size > 0 && (
          <button className="btn btn-danger" onClick={() => setConfirming([...selected])}>
            Delete {selected.size} selected
          </button>
        )}
      </div>
      {query.isPending ? (
        <div className="table-skeleton">
          {[0, 1, 2, 3, 4].map((i) => (
            <Skeleton key={i} height={36} />
          ))}
        </div>
      ) : rows.length === 0 ? (
        <EmptyState title={narrowed ? 'No runs match' : 'No finished runs yet'}>
          {narrowed ? 'Try another filter or search.' : 'Runs that complete, fail or are cancelled are listed here.'}
        </EmptyState>
      ) : (
        <table className="table table-runs" data-testid="completed-table">
          <thead>
            <tr>
              <th className="check">
                <input
                  type="checkbox"
                  aria-label="Select all on this page"
                  checked={rows.every((r) => selected.has(r.id))}
                  onChange={(e) =>
                    setSelected(e.target.checked ? new Set([...selected, ...rows.map((r) => r.id)]) : new Set())
                  }
                />
              </th>
              <th>Run</th>
              <th>Status</th>
              <th>Template</th>
              <th>Finished</th>
              <th className="num">Duration</th>
              <th className="num">Cost</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((run) => {
              const finished = run.completed_at ?? run.cancelled_at ?? run.updated_at;
              return (
                <tr key={run.id} data-run-id={run.id}>
                  <td className="check">
                    <input
                      type="checkbox"
                      aria-label={`Select ${run.name}`}
                      checked={selected.has(run.id)}
                      onChange={(e) => {
                        const next = new Set(selected);
                        if (e.target.checked) next.add(run.id);
                        else next.delete(run.id);
                        setSelected(next);
                      }}
                    />
                  </td>
                  <td>
                    <button className="link" onClick={() => onOpen(run.id)}>
                      {run.name}
                    </button>
                    {run.error && <div className="row-error">{run.error}</div>}
                  </td>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td>{templateName(run.workflow_definition_id)}</td>
                  <td>{formatTimestamp(finished)}</td>
                  <td className="num">{formatDuration(between(run.started_at, finished))}</td>
                  <td className="num">{costCell(run.steps.reduce((s, step) => s + costOf(step.output), 0))}</td>
                  <td>
                    <button
                      className="icon-btn"
                      aria-label={`Delete ${run.name}`}
                      onClick={() => setConfirming([run.id])}
                    >
                      <Icon name="trash" />
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages">
        <button
          className="btn btn-sm"
          disabled={filters.page === 0}
          onClick={() => onFilters({ page: filters.page - 1 })}
        >
          Previous
        </button>
        <span>
          Page {filters.page + 1} of {pages} · {total} runs
        </span>
        <button
          className="btn btn-sm"
          disabled={filters.page + 1 >= pages}
          onClick={() => onFilters({ page: filters.page + 1 })}
        >
          Next
        </button>
      </nav>
      <ConfirmDialog
        open={confirming !== null}
        title={`Delete ${confirming?.length === 1 ? 'this run' : `${confirming?.length} runs`}?`}
        confirmLabel="Delete"
        tone="danger"
        busy={deleting}
        onOpenChange={(open) => !open && setConfirming(null)}
        onConfirm={() => void remove(confirming ?? [])}
      >
        <p>Their steps, logs, comments and artifacts are removed for good.</p>
      </ConfirmDialog>
    </div>
  );
}
