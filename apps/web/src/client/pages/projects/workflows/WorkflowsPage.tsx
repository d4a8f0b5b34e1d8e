/**
 * `/projects/:projectId/workflows`: the project's runs as a board (Active), its templates, and the finished runs
 * (Completed), with the run detail over them when the URL names a run. Every view is in the URL.
 */
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import * as Tabs from '@radix-ui/react-tabs';
import { useQueryClient } from '@tanstack/react-query';
import { RUN_STATUSES } from '@switchyard/workflow-engine/vocabulary';
import type { RunStatus } from '@switchyard/workflow-engine/vocabulary';
import type { BoardCard } from '../../../../protocol/board.ts';
import type { WorkflowDefinition } from '../../../../protocol/templates.ts';
import { navigate, useSearchParam } from '../../../lib/router.ts';
import { queries } from '../../../lib/queries.ts';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { Icon } from '../../../components/Icon.tsx';
import { BoardSkeleton } from '../../../components/Skeleton.tsx';
import { ThemeToggle } from '../../../components/ThemeToggle.tsx';
import { Toasts } from '../../../components/Toasts.tsx';
import { BoardToolbar, matchesFilters } from './components/BoardToolbar.tsx';
import type { BoardFilters } from './components/BoardToolbar.tsx';
import type { CompletedFiltersState } from './components/CompletedTable.tsx';
import { ConnectionIndicator } from './components/ConnectionIndicator.tsx';
import { KanbanBoard } from './components/KanbanBoard.tsx';
import { LOG_TYPES } from './components/detailTabs.ts';
import type { LogType } from './components/detailTabs.ts';
import { ProjectSwitcher } from './components/ProjectSwitcher.tsx';
import { RerunPreviewDialog } from './components/RerunPreviewDialog.tsx';
import { ShortcutsDialog } from './components/ShortcutsDialog.tsx';
import { DETAIL_TABS } from './components/detailTabs.ts';
import type { DetailTab } from './components/detailTabs.ts';
import { WaitingLane } from './components/WaitingLane.tsx';
import { RequestChangesDialog } from './components/RequestChangesDialog.tsx';
import { useKeyboardShortcuts } from './hooks/useKeyboardShortcuts.ts';
import { useRunControls } from './hooks/useRunControls.ts';
import { useWorkflowWebSocket } from './hooks/useWorkflowWebSocket.ts';
import { useBoard, useProjects, useTemplates } from './hooks/useWorkflowRuns.ts';
import type { DropDecision } from './lib/dropRules.ts';
import { waitingOnYou, waitReason } from './lib/waiting.ts';
import { useWorkflowStore } from './stores/workflowStore.ts';

// What the board does not need for its first paint is loaded when first opened.
const StepDetailModal = lazy(() =>
  import('./components/StepDetailModal.tsx').then((m) => ({ default: m.StepDetailModal })),
);
const WorkflowTemplatesPage = lazy(() =>
  import('./components/WorkflowTemplatesPage.tsx').then((m) => ({ default: m.WorkflowTemplatesPage })),
);
const CompletedTable = lazy(() =>
  import('./components/CompletedTable.tsx').then((m) => ({ default: m.CompletedTable })),
);
const RunFormDialog = lazy(() => import('./components/RunFormDialog.tsx').then((m) => ({ default: m.RunFormDialog })));

const VIEWS = ['board', 'templates', 'completed'] as const;
type View = (typeof VIEWS)[number];

const oneOf = <T extends string>(values: readonly T[], value: string | null, fallback: T): T =>
  values.includes(value as T) ? (value as T) : fallback;

export function WorkflowsPage({ projectId }: { projectId: string }) {
  const [search, setSearch] = useSearchParam();
  const client = useQueryClient();
  const view = oneOf(VIEWS, search.get('view'), 'board');
  const runId = search.get('run');
  const filters: BoardFilters = {
    templateId: search.get('template'),
    statuses: (search.get('status')?.split(',') ?? []).filter((s): s is RunStatus =>
      (RUN_STATUSES as readonly string[]).includes(s),
    ),
    text: search.get('q') ?? '',
  };
  const completedFilters: CompletedFiltersState = {
    status: (search.get('cstatus') as RunStatus | null) ?? null,
    templateId: search.get('ctemplate'),
    text: search.get('cq') ?? '',
    since: search.get('csince'),
    page: Math.max(0, Number(search.get('cpage') ?? 0) || 0),
  };

  useWorkflowWebSocket(projectId);
  const board = useBoard(projectId);
  const templates = useTemplates(projectId);
  const projects = useProjects();
  const [runTemplate, setRunTemplate] = useState<{
    template: WorkflowDefinition;
    args?: Record<string, unknown>;
  } | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);

  const templateList = useMemo(() => templates.data?.data ?? [], [templates.data]);
  const cards = useMemo(() => board.data?.cards ?? [], [board.data]);
  const filterKey = JSON.stringify(filters);
  const shown = useMemo(
    () => cards.filter((card) => matchesFilters(card, JSON.parse(filterKey) as BoardFilters)),
    [cards, filterKey],
  );
  const waiting = useMemo(() => waitingOnYou(cards), [cards]);
  const activeCount = cards.filter((c) => c.status !== 'completed' && c.status !== 'cancelled').length;
  const finishedCounts = (['completed', 'failed', 'cancelled'] as const).map(
    (status) => board.data?.counts[status] ?? 0,
  );
  // Each status is counted up to the board's limit: at the limit, there may be more.
  const finishedCount = `${finishedCounts.reduce((sum, n) => sum + n, 0).toLocaleString()}${
    finishedCounts.some((n) => board.data && n >= board.data.count_limit) ? '+' : ''
  }`;

  useEffect(() => {
    document.title = `${waiting.length ? `(${waiting.length}) ` : ''}Switchyard`;
  }, [waiting.length]);
  useEffect(() => useWorkflowStore.getState().setCurrentExecution(runId), [runId]);
  useEffect(() => {
    if (!refusal) return;
    const timer = setTimeout(() => setRefusal(null), 5_000);
    return () => clearTimeout(timer);
  }, [refusal]);

  const lookup = (id: string) => {
    const card = cards.find((c) => c.id === id);
    const detail = client.getQueryData(queries.run(id).queryKey);
    const templateId = card?.workflow_definition_id ?? detail?.workflow_definition_id;
    return {
      name: card?.name ?? detail?.name ?? 'this run',
      phases: templateList.find((t) => t.id === templateId)?.phases ?? detail?.workflow_definition?.phases ?? [],
    };
  };
  const controls = useRunControls(projectId, lookup);

  const open = (id: string, tab: DetailTab = 'logs') => setSearch({ run: id, tab, step: null, log: null });
  const close = () => setSearch({ run: null, tab: null, step: null, log: null });
  const setView = (next: View) => setSearch({ view: next === 'board' ? null : next });
  const setFilters = (changes: Partial<BoardFilters>) =>
    setSearch(
      {
        ...(changes.templateId !== undefined && { template: changes.templateId }),
        ...(changes.statuses !== undefined && { status: changes.statuses.join(',') || null }),
        ...(changes.text !== undefined && { q: changes.text || null }),
      },
      true,
    );
  const setCompletedFilters = (changes: Partial<CompletedFiltersState>) =>
    setSearch(
      {
        ...(changes.status !== undefined && { cstatus: changes.status }),
        ...(changes.templateId !== undefined && { ctemplate: changes.templateId }),
        ...(changes.text !== undefined && { cq: changes.text || null }),
        ...(changes.since !== undefined && { csince: changes.since }),
        ...(changes.page !== undefined && { cpage: changes.page ? String(changes.page) : null }),
      },
      true,
    );
  const onDrop = (card: BoardCard, decision: DropDecision) => {
    if (decision.kind === 'advance') controls.request(card.id, { kind: 'advance' });
    else if (decision.kind === 'rerun') controls.request(card.id, { kind: 'rerun', phase: decision.phase });
    else if (decision.kind === 'refuse') setRefusal(`${card.name}: ${decision.reason}.`);
  };

  const first = (predicate: (card: BoardCard) => boolean) => waiting.find(predicate);
  useKeyboardShortcuts(
    {
      '?': () => setShortcutsOpen(true),
      '1': () => setView('board'),
      '2': () => setView('templates'),
      '3': () => setView('completed'),
      '/': () => document.querySelector<HTMLInputElement>('[data-shortcut="search"]')?.focus(),
      n: () => setView('templates'),
      a: () => {
        const run = first((c) => waitReason(c) === 'gate');
        if (run) controls.request(run.id, { kind: 'advance' });
      },
      r: () => {
        const run = first((c) => c.status === 'paused' || c.status === 'failed');
        if (run) controls.request(run.id, { kind: 'resume' });
      },
      o: () => {
        if (waiting[0]) open(waiting[0].id);
      },
    },
    runId === null && !shortcutsOpen && runTemplate === null,
  );

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href={`/projects/${projectId}/workflows`} aria-label="Switchyard home">
          <span className="brand-mark" aria-hidden />
          Switchyard
        </a>
        {projects.data && (
          <ProjectSwitcher
            projects={projects.data.data}
            currentId={projectId}
            onSelect={(id) => navigate(`/projects/${id}/workflows`)}
          />
        )}
        <span className="toolbar-spacer" />
        <ConnectionIndicator />
        <button
          className="icon-btn"
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
          onClick={() => setShortcutsOpen(true)}
        >
          <Icon name="keyboard" size={16} />
        </button>
        <ThemeToggle />
      </header>
      <Tabs.Root className="page" value={view} onValueChange={(value) => setView(value as View)}>
        <div className="page-head">
          <h1>Workflows</h1>
          <Tabs.List className="tabs tabs-page" aria-label="Workflows">
            <Tabs.Trigger className="tab" value="board">
              Active <span className="count">{activeCount}</span>
            </Tabs.Trigger>
            <Tabs.Trigger className="tab" value="templates">
              Templates <span className="count">{templateList.length}</span>
            </Tabs.Trigger>
            <Tabs.Trigger className="tab" value="completed">
              Completed <span className="count">{finishedCount}</span>
            </Tabs.Trigger>
          </Tabs.List>
        </div>
        <Tabs.Content value="board" className="page-body">
          <WaitingLane runs={waiting} templates={templateList} onOpen={open} onAction={controls.request} />
          <BoardToolbar
            filters={filters}
            templates={templateList}
            shown={shown.length}
            total={cards.length}
            onChange={setFilters}
            onNewRun={() => setView('templates')}
          />
          {refusal && (
            <div className="banner banner-warning drop-refusal" role="alert" data-testid="drop-refusal">
              {refusal}
            </div>
          )}
          {board.isPending || templates.isPending ? (
            <BoardSkeleton />
          ) : board.isError ? (
            <EmptyState title="The board could not load">{board.error.message}</EmptyState>
          ) : cards.length === 0 ? (
            <EmptyState
              title="No runs yet"
              action={
                <button className="btn btn-primary" onClick={() => setView('templates')}>
                  Pick a template to run
                </button>
              }
            >
              Start a run from a template; its card moves across the phases here as it works.
            </EmptyState>
          ) : (
            <KanbanBoard
              cards={shown}
              templates={templateList.filter((t) => t.valid)}
              templateId={filters.templateId}
              onOpen={open}
              onAction={controls.request}
              onDrop={onDrop}
            />
          )}
        </Tabs.Content>
        <Tabs.Content value="templates" className="page-body">
          <Suspense fallback={null}>
            <WorkflowTemplatesPage
              templates={templates.data?.data}
              onRun={(template) => setRunTemplate({ template })}
            />
          </Suspense>
        </Tabs.Content>
        <Tabs.Content value="completed" className="page-body">
          <Suspense fallback={null}>
            <CompletedTable
              projectId={projectId}
              templates={templateList}
              filters={completedFilters}
              onFilters={setCompletedFilters}
              onOpen={open}
            />
          </Suspense>
        </Tabs.Content>
      </Tabs.Root>

      <Suspense fallback={null}>
        {runId && (
          <StepDetailModal
            runId={runId}
            tab={oneOf(DETAIL_TABS, search.get('tab'), 'logs')}
            stepId={search.get('step')}
            logType={oneOf<LogType>(LOG_TYPES, search.get('log'), 'events')}
            onNavigate={(changes) => setSearch({ ...changes }, true)}
            onClose={close}
            onAction={controls.request}
            onRunAgain={(templateId, args) => {
              const template = templateList.find((t) => t.id === templateId);
              if (template) setRunTemplate({ template, args: (args ?? {}) as Record<string, unknown> });
            }}
          />
        )}
        {runTemplate && (
          <RunFormDialog
            projectId={projectId}
            template={runTemplate.template}
            initialArgs={runTemplate.args}
            onClose={() => setRunTemplate(null)}
            onStarted={(id) => {
              setRunTemplate(null);
              setSearch({ view: null, run: id, tab: 'logs', step: null, log: null });
            }}
          />
        )}
      </Suspense>
      <ConfirmDialog
        open={controls.confirm !== null}
        title={
          controls.confirm?.action.kind === 'cancel'
            ? `Cancel ${controls.confirm.runName}?`
            : `Delete ${controls.confirm?.runName ?? ''}?`
        }
        confirmLabel={controls.confirm?.action.kind === 'cancel' ? 'Cancel run' : 'Delete run'}
        tone="danger"
        onOpenChange={(isOpen) => !isOpen && controls.closeConfirm()}
        onConfirm={() =>
          controls.confirmPending((action) => {
            if (action.kind === 'delete') close();
          })
        }
      >
        <p>
          {controls.confirm?.action.kind === 'cancel'
            ? 'The running step is stopped and the run ends cancelled. Completed steps and their files stay.'
            : 'The run, its steps, logs, comments and artifacts are removed for good.'}
        </p>
      </ConfirmDialog>
      <RequestChangesDialog
        request={controls.changes}
        busy={controls.busy}
        onConfirm={controls.confirmChanges}
        onClose={controls.closeChanges}
      />
      <RerunPreviewDialog
        request={controls.rerun}
        busy={controls.busy}
        onConfirm={controls.confirmRerun}
        onClose={controls.closeRerun}
      />
      <ShortcutsDialog open={shortcutsOpen} onOpenChange={setShortcutsOpen} />
      <Toasts onOpen={(id) => open(id)} />
    </div>
  );
}
