/**
 * The follow-ups a run's agent steps have still to take — queued for a running turn, or being delivered — and the
 * cancel of one still queued. A follow-up whose delivery began cannot be cancelled: its message is with the agent.
 */
import { eq } from 'drizzle-orm';
import type { QueuedFollowUp, QueuedFollowUpList } from '../../../../protocol/followUps.ts';
import { ConflictError, NotFoundError } from '../../../../errors.ts';
import { workflowFollowUps } from '../../../db/schema.ts';
import { requireRun } from '../../workflow/runLookups.ts';
import type { WorkflowServiceDeps } from '../../workflow/services/deps.ts';
import { createDatabaseFollowUpQueue, queuedFollowUp } from '../followUpQueue.ts';
import { followUpView } from './followUpStep.ts';

export async function listQueuedFollowUps(deps: WorkflowServiceDeps, runId: string): Promise<QueuedFollowUpList> {
  await requireRun(deps.db, runId);
  const all = await createDatabaseFollowUpQueue(deps.db).list(runId);
  const waiting = all.filter((f) => f.kind === 'message' && (f.state === 'queued' || f.state === 'delivering'));
  return { data: waiting.map(followUpView) };
}

export async function cancelQueuedFollowUp(deps: WorkflowServiceDeps, id: string): Promise<QueuedFollowUp> {
  const cancelled = await createDatabaseFollowUpQueue(deps.db).cancel(id);
  if (cancelled) return followUpView(cancelled);
  const [row] = await deps.db.select().from(workflowFollowUps).where(eq(workflowFollowUps.id, id));
  if (!row) throw new NotFoundError('follow-up', id);
  throw new ConflictError(
    'follow_up_not_queued',
    `follow-up ${id} cannot be cancelled: it is ${queuedFollowUp(row).state}, no longer queued`,
    { id, state: row.state },
  );
}
