/**
 * The engine's `FollowUpQueue` on the database: rows of `workflow_follow_ups`, so that a follow-up queued for a
 * running turn outlives the process running it and is delivered by the worker that resumes the step. Each state
 * move is one conditional update: whoever moves a row first (a delivery, a cancel) wins.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { FollowUpQueue, QueuedFollowUp } from '@switchyard/workflow-engine';
import type { AppDatabase } from '../../db/connection.ts';
import { workflowFollowUps } from '../../db/schema.ts';

export type FollowUpRow = typeof workflowFollowUps.$inferSelect;

export function queuedFollowUp(row: FollowUpRow): QueuedFollowUp {
  return {
    id: row.id,
    runId: row.workflow_run_id,
    stepId: row.step_id,
    kind: row.kind,
    message: row.message,
    sessionId: row.session_id,
    state: row.state,
    key: row.dedupe_key,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export function createDatabaseFollowUpQueue(db: AppDatabase): FollowUpQueue {
  const t = workflowFollowUps;
  const move = async (id: string, from: FollowUpRow['state'][], set: Partial<FollowUpRow>) => {
    const [row] = await db
      .update(t)
      .set({ ...set, updated_at: sql`now()` })
      .where(and(eq(t.id, id), inArray(t.state, from)))
      .returning();
    return row && queuedFollowUp(row);
  };
  return {
    async enqueue(followUp) {
      const [row] = await db
        .insert(t)
        .values({
          workflow_run_id: followUp.runId,
          step_id: followUp.stepId,
          kind: followUp.kind,
          message: followUp.message,
          session_id: followUp.sessionId ?? null,
        })
        .returning();
      return queuedFollowUp(row!);
    },
    async pending(runId, stepId, kind) {
      const rows = await db
        .select()
        .from(t)
        .where(
          and(
            eq(t.workflow_run_id, runId),
            eq(t.step_id, stepId),
            eq(t.kind, kind),
            inArray(t.state, ['queued', 'delivering']),
          ),
        )
        .orderBy(asc(t.created_at), asc(t.id));
      return rows.map(queuedFollowUp);
    },
    async list(runId) {
      const rows = await db.select().from(t).where(eq(t.workflow_run_id, runId)).orderBy(asc(t.created_at), asc(t.id));
      return rows.map(queuedFollowUp);
    },
    async take(id, key) {
      // A row already delivering keeps its key: the turn that was cut short is sent again under it.
      return (
        (await move(id, ['queued'], { state: 'delivering', dedupe_key: key })) ??
        (await move(id, ['delivering'], { state: 'delivering' }))
      );
    },
    async delivered(id) {
      await move(id, ['delivering'], { state: 'delivered' });
    },
    async cancel(id) {
      return move(id, ['queued'], { state: 'cancelled' });
    },
  };
}
