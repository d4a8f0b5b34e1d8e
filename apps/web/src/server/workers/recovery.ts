/**
 * Runs left `running` by a process that died keep its lease until the lease expires. With the embedded database
 * only the process holding the data directory lock can run anything, so at start every lease in it is stale and is
 * dropped at once: those runs resume by replay now instead of after the lease time.
 */
import { inArray, isNotNull, and } from 'drizzle-orm';
import type { AppDatabase } from '../db/connection.ts';
import { workflowRuns } from '../db/schema.ts';

export async function releaseStaleLeases(db: AppDatabase): Promise<number> {
  const released = await db
    .update(workflowRuns)
    .set({ lease_owner: null, lease_expires_at: null })
    .where(and(isNotNull(workflowRuns.lease_owner), inArray(workflowRuns.status, ['pending', 'running'])))
    .returning({ id: workflowRuns.id });
  return released.length;
}
