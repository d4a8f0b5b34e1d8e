/** The follow-up queue in memory, for tests and for runs whose store is in memory: it dies with the process. */
import { randomUUID } from 'node:crypto';
import type { FollowUpQueue, QueuedFollowUp } from '../ports.ts';

export function createMemoryFollowUpQueue(): FollowUpQueue {
  const rows: QueuedFollowUp[] = [];
  const copy = (row: QueuedFollowUp | undefined) => (row ? { ...row } : undefined);
  return {
    async enqueue(followUp) {
      const row: QueuedFollowUp = {
        id: randomUUID(),
        runId: followUp.runId,
        stepId: followUp.stepId,
        kind: followUp.kind,
        message: followUp.message,
        sessionId: followUp.sessionId ?? null,
        state: 'queued',
        key: null,
        createdAt: new Date().toISOString(),
      };
      rows.push(row);
      return { ...row };
    },
    async pending(runId, stepId, kind) {
      return rows
        .filter((row) => row.runId === runId && row.stepId === stepId && row.kind === kind)
        .filter((row) => row.state === 'queued' || row.state === 'delivering')
        .map((row) => ({ ...row }));
    },
    async list(runId) {
      return rows.filter((row) => row.runId === runId).map((row) => ({ ...row }));
    },
    async take(id, key) {
      const row = rows.find((r) => r.id === id);
      if (!row || (row.state !== 'queued' && row.state !== 'delivering')) return undefined;
      if (row.state === 'queued') Object.assign(row, { state: 'delivering', key });
      return copy(row);
    },
    async delivered(id) {
      const row = rows.find((r) => r.id === id);
      if (row?.state === 'delivering') row.state = 'delivered';
    },
    async cancel(id) {
      const row = rows.find((r) => r.id === id);
      if (row?.state !== 'queued') return undefined;
      row.state = 'cancelled';
      return copy(row);
    },
  };
}
