/**
 * The board: one lane per template (one lane when a template is selected), one column per phase and a Done column.
 * Dragging means something (see `lib/dropRules.ts`): into the gate a run waits at approves it, back to an earlier
 * phase re-runs from there after a preview, anything else is refused with the reason. Keyboard drag works the
 * same (Space, arrows, Space) and is announced to screen readers.
 */
import { useMemo, useState } from 'react';
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  rectIntersection,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import type { Announcements, CollisionDetection, DragEndEvent, KeyboardCoordinateGetter } from '@dnd-kit/core';
import type { BoardCard } from '../../../../../protocol/board.ts';
import type { Phase, WorkflowDefinition } from '../../../../../protocol/templates.ts';
import type { RunAction } from '../hooks/useRunActions.ts';
import { useNow } from '../hooks/useNow.ts';
import { columnOf, decideDrop } from '../lib/dropRules.ts';
import type { DropDecision } from '../lib/dropRules.ts';
import { BoardColumn, DONE_COLUMN } from './BoardColumn.tsx';
import { WorkflowCard } from './WorkflowCard.tsx';

export interface KanbanBoardProps {
  cards: BoardCard[];
  templates: WorkflowDefinition[];
  /** A template id, or null for the All templates view. */
  templateId: string | null;
  onOpen(runId: string): void;
  onAction(runId: string, action: RunAction): void;
  onDrop(card: BoardCard, decision: DropDecision): void;
}

interface Lane {
  template: WorkflowDefinition;
  columns: { phase: Phase | null; cards: BoardCard[] }[];
}

function buildLanes(cards: BoardCard[], templates: WorkflowDefinition[], templateId: string | null): Lane[] {
  const shown = templateId ? templates.filter((t) => t.id === templateId) : templates;
  return (
    shown
      .map((template) => {
        const mine = cards.filter((c) => c.workflow_definition_id === template.id);
        const phaseIds = new Set(template.phases.map((p) => p.id));
        const columns = template.phases.map((phase) => ({ phase: phase as Phase | null, cards: [] as BoardCard[] }));
        const done = { phase: null, cards: [] as BoardCard[] };
        for (const card of mine) {
          if (card.status === 'completed' || card.status === 'cancelled') {
            done.cards.push(card);
            continue;
          }
          const column = columnOf(card, template.phases);
          const index = column && phaseIds.has(column) ? template.phases.findIndex((p) => p.id === column) : 0;
          columns[Math.max(0, index)]?.cards.push(card);
        }
        // Newest first within a column, so what just moved there is at the top.
        for (const column of [...columns, done]) column.cards.reverse();
        return { template, columns: [...columns, done], count: mine.length, active: mine.length - done.cards.length };
      })
      .filter((lane) => templateId !== null || lane.count > 0)
      // Lanes with work in progress first; those holding only finished runs after them.
      .sort((a, b) => Number(b.active > 0) - Number(a.active > 0))
  );
}

/** Arrow keys jump from column to column (of the card's own lane) instead of moving by pixels. */
const columnKeyboardCoordinates: KeyboardCoordinateGetter = (event, { active, currentCoordinates, context }) => {
  const lane = String(context.over?.id ?? '').split('::')[0];
  const rects = [...context.droppableRects.entries()]
    .filter(([id]) => !lane || String(id).startsWith(`${lane}::`))
    .map(([, rect]) => rect)
    .sort((a, b) => a.left - b.left);
  const activeRect = context.collisionRect ?? context.active?.rect.current.translated;
  if (!activeRect || !active) return undefined;
  const centre = activeRect.left + activeRect.width / 2;
  let target;
  if (event.code === 'ArrowRight') target = rects.find((r) => r.left > centre);
  else if (event.code === 'ArrowLeft') target = [...rects].reverse().find((r) => r.left + r.width < centre);
  else return undefined;
  event.preventDefault();
  if (!target) return currentCoordinates;
  return { x: target.left + target.width / 2 - activeRect.width / 2, y: currentCoordinates.y };
};

const collisions: CollisionDetection = (args) => {
  const pointer = pointerWithin(args);
  return pointer.length > 0 ? pointer : rectIntersection(args);
};

export function KanbanBoard(props: KanbanBoardProps) {
  const now = useNow(5_000);
  const [dragged, setDragged] = useState<BoardCard | null>(null);
  const lanes = useMemo(
    () => buildLanes(props.cards, props.templates, props.templateId),
    [props.cards, props.templates, props.templateId],
  );
  const templateById = useMemo(() => new Map(props.templates.map((t) => [t.id, t])), [props.templates]);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } }),
    useSensor(KeyboardSensor, {
      coordinateGetter: columnKeyboardCoordinates,
      keyboardCodes: { start: ['Space'], cancel: ['Escape'], end: ['Space'] },
    }),
  );

  const phaseLabel = (card: BoardCard, phaseId: string) =>
    phaseId === DONE_COLUMN
      ? 'Done'
      : (templateById.get(card.workflow_definition_id)?.phases.find((p) => p.id === phaseId)?.label ?? phaseId);
  const describeTarget = (card: BoardCard, overId: string | number | undefined) => {
    if (overId === undefined) return 'no column';
    const phaseId = String(overId).split('::')[1] ?? '';
    return `the ${phaseLabel(card, phaseId)} column`;
  };
  const cardOf = (id: string | number) => props.cards.find((c) => c.id === id);
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${cardOf(active.id)?.name ?? 'run'}. Arrow keys move it between phases.`,
    onDragOver: ({ active, over }) => {
      const card = cardOf(active.id);
      return card ? `${card.name} is over ${describeTarget(card, over?.id)}.` : undefined;
    },
    onDragEnd: ({ active, over }) => {
      const card = cardOf(active.id);
      return card ? `${card.name} was dropped on ${describeTarget(card, over?.id)}.` : undefined;
    },
    onDragCancel: ({ active }) => `Moving ${cardOf(active.id)?.name ?? 'run'} was cancelled. It stays where it was.`,
  };

  const onDragEnd = (event: DragEndEvent) => {
    setDragged(null);
    const card = cardOf(event.active.id);
    if (!card || !event.over) return;
    const [laneId, phaseId] = String(event.over.id).split('::');
    if (laneId !== card.workflow_definition_id) {
      props.onDrop(card, { kind: 'refuse', reason: 'a run stays in its own template’s lane' });
      return;
    }
    if (phaseId === DONE_COLUMN) {
      if (card.status === 'completed' || card.status === 'cancelled') return;
      props.onDrop(card, { kind: 'refuse', reason: 'a run is done when its last phase completes' });
      return;
    }
    const template = templateById.get(card.workflow_definition_id);
    if (!template || !phaseId) return;
    if (card.status === 'completed' || card.status === 'cancelled') {
      props.onDrop(card, { kind: 'rerun', phase: phaseId });
      return;
    }
    props.onDrop(card, decideDrop(card, phaseId, template.phases));
  };

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={collisions}
      accessibility={{
        announcements,
        screenReaderInstructions: {
          draggable:
            'Press Enter to open this run. Press Space to pick it up, the arrow keys to move it between phases, ' +
            'Space again to drop it, or Escape to cancel.',
        },
      }}
      onDragStart={(event) => setDragged(cardOf(event.active.id) ?? null)}
      onDragCancel={() => setDragged(null)}
      onDragEnd={onDragEnd}
    >
      <div className="lanes">
        {lanes.map((lane) => (
          <section className="lane" key={lane.template.id} aria-label={`${lane.template.name} lane`} data-testid="lane">
            {props.templateId === null && (
              <h2 className="lane-title">
                {lane.template.name}
                <span className="lane-count">{lane.columns.reduce((n, c) => n + c.cards.length, 0)}</span>
              </h2>
            )}
            <nav className="phase-tabs" aria-label={`${lane.template.name} phases`}>
              {lane.columns.map((column) => (
                <a
                  key={column.phase?.id ?? DONE_COLUMN}
                  href={`#col-${lane.template.id}-${column.phase?.id ?? DONE_COLUMN}`}
                  onClick={(event) => {
                    event.preventDefault();
                    document
                      .getElementById(`col-${lane.template.id}-${column.phase?.id ?? DONE_COLUMN}`)
                      ?.scrollIntoView({ behavior: 'smooth', inline: 'start', block: 'nearest' });
                  }}
                >
                  {column.phase?.label ?? 'Done'} <span className="count">{column.cards.length}</span>
                </a>
              ))}
            </nav>
            <div className="columns">
              {lane.columns.map((column) => (
                <div
                  className="column-slot"
                  key={column.phase?.id ?? DONE_COLUMN}
                  id={`col-${lane.template.id}-${column.phase?.id ?? DONE_COLUMN}`}
                >
                  <BoardColumn
                    laneId={lane.template.id}
                    phase={column.phase}
                    cards={column.cards}
                    phases={lane.template.phases}
                    templateName={lane.template.name}
                    showTemplate={false}
                    now={now}
                    onOpen={props.onOpen}
                    onAction={props.onAction}
                  />
                </div>
              ))}
            </div>
          </section>
        ))}
      </div>
      <DragOverlay dropAnimation={null}>
        {dragged && (
          <WorkflowCard
            card={dragged}
            templateName={templateById.get(dragged.workflow_definition_id)?.name ?? ''}
            phases={templateById.get(dragged.workflow_definition_id)?.phases ?? []}
            now={now}
            dragging
            onOpen={() => undefined}
            onAction={() => undefined}
          />
        )}
      </DragOverlay>
    </DndContext>
  );
}
