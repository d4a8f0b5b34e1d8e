/**
 * The engine's events onto the server's bus, for one project. Events keep their order; a comment event waits for
 * its row so that it carries the comment as the API shows it, and the events behind it wait with it.
 */
import { eq } from 'drizzle-orm';
import type { EventSink, WorkflowEvent } from '@switchyard/workflow-engine';
import type { AppDatabase } from '../../db/connection.ts';
import { workflowComments } from '../../db/schema.ts';
import type { EventBus, OutgoingEvent } from '../../websocket/eventBus.ts';
import { commentView } from '../workflow-comment/commentView.ts';

export function busEventSink(deps: { db: AppDatabase; bus: EventBus }, projectId: string): EventSink {
  let pending: Promise<void> | undefined;

  const publish = (event: OutgoingEvent) => void deps.bus.publish(projectId, event);

  async function withCommentRow(event: Extract<WorkflowEvent, { type: 'workflow.comment.created' }>) {
    const [row] = await deps.db
      .select()
      .from(workflowComments)
      .where(eq(workflowComments.id, event.data.comment.id))
      .catch(() => []);
    publish({ type: event.type, data: { ...event.data, comment: row ? commentView(row) : event.data.comment } });
  }

  /** Runs `work` after everything queued before it; the queue is empty again once it is done. */
  function enqueue(work: () => Promise<void> | void): void {
    const next = (pending ?? Promise.resolve()).then(work);
    pending = next;
    void next.finally(() => {
      if (pending === next) pending = undefined;
    });
  }

  return {
    emit(event) {
      if (event.type === 'workflow.comment.created') enqueue(() => withCommentRow(event));
      else if (pending) enqueue(() => publish(event));
      else publish(event);
    },
  };
}
