/**
 * One phase column: header (name, gate mark, count, cost sum) and its cards. Long columns are virtualised, so a
 * thousand cards cost what the visible dozen cost. The column is a drop target for dragged cards.
 */
import { useRef } from 'react';
import { useDraggable, useDroppable } from '@dnd-kit/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { BoardCard } from '../../../../../protocol/board.ts';
import type { Phase } from '../../../../../protocol/templates.ts';
import { formatCost } from '../../../../lib/format.ts';
import { Icon } from '../../../../components/Icon.tsx';
import type { RunAction } from '../hooks/useRunActions.ts';
import { WorkflowCard } from './WorkflowCard.tsx';

export const DONE_COLUMN = '__done__';
const VIRTUAL_FROM = 30;

export interface ColumnProps {
  laneId: string;
  phase: Phase | null;
  cards: BoardCard[];
  phases: Phase[];
  templateName: string;
  showTemplate: boolean;
  now: number;
  onOpen(runId: string): void;
  onAction(runId: string, action: RunAction): void;
}

function DraggableCard(props: Omit<ColumnProps, 'cards' | 'phase' | 'laneId'> & { card: BoardCard }) {
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({
    id: props.card.id,
    data: { card: props.card },
  });
  return (
    <WorkflowCard
      card={props.card}
      templateName={props.templateName}
      phases={props.phases}
      now={props.now}
      showTemplate={props.showTemplate}
      dragging={isDragging}
      bindNode={setNodeRef}
      dragHandle={{ ...attributes, ...listeners }}
      onOpen={props.onOpen}
      onAction={props.onAction}
    />
  );
}

function VirtualCards(props: Omit<ColumnProps, 'phase' | 'laneId'>) {
  const scroller = useRef<HTMLDivElement>(null);
  // TanStack Virtual returns functions the React compiler cannot memoise; this component is not compiled.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: props.cards.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 148,
    overscan: 6,
    getItemKey: (index) => props.cards[index]!.id,
  });
  return (
    <div className="column-scroll" ref={scroller} data-virtual="true">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.key}
            data-index={item.index}
            ref={virtualizer.measureElement}
            className="virtual-row"
            style={{ transform: `translateY(${item.start}px)` }}
          >
            <DraggableCard {...props} card={props.cards[item.index]!} />
          </div>
        ))}
      </div>
    </div>
  );
}

export function BoardColumn(props: ColumnProps) {
  const phaseId = props.phase?.id ?? DONE_COLUMN;
  const { setNodeRef, isOver } = useDroppable({ id: `${props.laneId}::${phaseId}`, data: { phase: phaseId } });
  const cost = props.cards.reduce((sum, card) => sum + card.cost_usd, 0);
  const label = props.phase?.label ?? 'Done';
  return (
    <section
      ref={setNodeRef}
      className={`column${isOver ? ' is-over' : ''}${props.phase?.gate ? ' is-gate' : ''}${props.phase ? '' : ' is-done'}`}
      aria-label={`${label} column, ${props.cards.length} runs`}
      data-phase={phaseId}
      data-testid="board-column"
    >
      <header className="column-head">
        <div className="column-title">
          {props.phase?.gate && (
            <span className="gate-mark" title="Manual gate: a person approves runs into this phase">
              <Icon name="gate" /> Gate
            </span>
          )}
          <h3>{label}</h3>
          <span className="count" data-testid="column-count">
            {props.cards.length}
          </span>
        </div>
        {cost > 0 && (
          <span className="column-cost" title="Cost of the runs in this column">
            {formatCost(cost)}
          </span>
        )}
      </header>
      {props.cards.length === 0 ? (
        <div className="column-empty">{props.phase?.gate ? 'Drop a waiting run here to approve it' : 'No runs'}</div>
      ) : props.cards.length >= VIRTUAL_FROM ? (
        <VirtualCards {...props} />
      ) : (
        <div className="column-scroll">
          {props.cards.map((card) => (
            <DraggableCard key={card.id} {...props} card={card} />
          ))}
        </div>
      )}
    </section>
  );
}
