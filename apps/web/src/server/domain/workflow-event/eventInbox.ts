/**
 * The engine's `EventInbox` on the database: events sent to runs are rows of `workflow_received_events`, kept so that
 * one sent before its run waits is found when it does. An event matches by name, and by its data containing the
 * wait's `match` fields (jsonb `@>`); one sent to the project counts for runs created before it was sent.
 */
import { sql } from 'drizzle-orm';
import type { EventInbox, ReceivedEvent } from '@switchyard/workflow-engine';
import { queryRows } from '../../db/connection.ts';
import type { AppDatabase } from '../../db/connection.ts';
import { workflowReceivedEvents, workflowRuns } from '../../db/schema.ts';

interface EventRow {
  id: string;
  name: string;
  data: Record<string, unknown>;
  received_at: string;
}

export function receivedEvent(row: EventRow): ReceivedEvent {
  return { id: row.id, name: row.name, data: row.data, receivedAt: new Date(row.received_at).toISOString() };
}

export function createDatabaseEventInbox(db: AppDatabase): EventInbox {
  return {
    async findEvent(query) {
      const excluded = query.exclude.length
        ? sql` and e.id not in (${sql.join(
            query.exclude.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`
        : sql``;
      const [row] = await queryRows<EventRow>(
        db,
        sql`select e.id, e.name, e.data, e.created_at::text as received_at
            from ${workflowReceivedEvents} e join ${workflowRuns} r on r.id = ${query.runId}::uuid
            where e.project_id = r.project_id and e.name = ${query.name}
              and (e.workflow_run_id = r.id or (e.workflow_run_id is null and e.created_at >= ${query.since}::timestamptz))
              and e.data @> ${JSON.stringify(query.match)}::jsonb${excluded}
            order by e.created_at, e.id limit 1`,
      );
      return row && receivedEvent(row);
    },
  };
}
