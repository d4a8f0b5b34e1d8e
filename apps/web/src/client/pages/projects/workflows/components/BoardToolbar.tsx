/** The board's filters: template (or All templates), status, and a text search over names and args. */
import type { RunStatus } from '@switchyard/workflow-engine/vocabulary';
import type { WorkflowDefinition } from '../../../../../protocol/templates.ts';
import { Icon } from '../../../../components/Icon.tsx';
import { RUN_STATUS_LOOK } from '../lib/runStatus.ts';

export interface BoardFilters {
  templateId: string | null;
  statuses: RunStatus[];
  text: string;
}

const FILTERABLE: RunStatus[] = ['pending', 'running', 'waiting', 'paused', 'failed', 'completed', 'cancelled'];

export interface BoardToolbarProps {
  filters: BoardFilters;
  templates: WorkflowDefinition[];
  shown: number;
  total: number;
  onChange(filters: Partial<BoardFilters>): void;
  onNewRun(): void;
}

export function BoardToolbar({ filters, templates, shown, total, onChange, onNewRun }: BoardToolbarProps) {
  const toggle = (status: RunStatus) =>
    onChange({
      statuses: filters.statuses.includes(status)
        ? filters.statuses.filter((s) => s !== status)
        : [...filters.statuses, status],
    });
  return (
    <div className="toolbar" role="toolbar" aria-label="Board filters">
      <label className="select-wrap">
        <span className="sr-only">Template</span>
        <select
          value={filters.templateId ?? ''}
          onChange={(event) => onChange({ templateId: event.target.value || null })}
          aria-label="Template"
        >
          <option value="">All templates</option>
          {templates
            .filter((t) => t.valid)
            .map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
        </select>
      </label>
      <div className="search">
        <Icon name="search" />
        <input
          type="search"
          placeholder="Search runs and args"
          aria-label="Search runs"
          value={filters.text}
          data-shortcut="search"
          onChange={(event) => onChange({ text: event.target.value })}
        />
        <kbd aria-hidden>/</kbd>
      </div>
      <div className="status-filters" role="group" aria-label="Status">
        {FILTERABLE.map((status) => (
          <button
            key={status}
            className={`filter-chip tone-${RUN_STATUS_LOOK[status].tone}`}
            aria-pressed={filters.statuses.includes(status)}
            onClick={() => toggle(status)}
          >
            <span aria-hidden>{RUN_STATUS_LOOK[status].glyph}</span> {RUN_STATUS_LOOK[status].label}
          </button>
        ))}
      </div>
      <span className="toolbar-spacer" />
      <span className="toolbar-count" aria-live="polite">
        {shown === total ? `${total} runs` : `${shown} of ${total} runs`}
      </span>
      <button className="btn btn-primary" onClick={onNewRun}>
        <Icon name="plus" /> New run
      </button>
    </div>
  );
}

export function matchesFilters(
  card: { name: string; args_preview: string; status: RunStatus; workflow_definition_id: string },
  filters: BoardFilters,
): boolean {
  if (filters.statuses.length && !filters.statuses.includes(card.status)) return false;
  if (filters.templateId && card.workflow_definition_id !== filters.templateId) return false;
  const text = filters.text.trim().toLowerCase();
  if (text && !card.name.toLowerCase().includes(text) && !card.args_preview.toLowerCase().includes(text)) return false;
  return true;
}
