/**
 * Events across processes on one PostgreSQL: every server and worker publishes on its own bus and NOTIFYs the
 * others, which re-publish the event on their local bus (with their own ids) so their WebSocket clients see it.
 * NOTIFY carries at most 8,000 bytes, so a large event is stored in `workflow_events` and sent by reference.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows } from '../db/connection.ts';
import type { DatabaseHandle } from '../db/connection.ts';
import { EventBridgeError } from '../../errors.ts';
import type { EventBridgeErrorCode } from '../../errors.ts';
import { WorkflowEvent } from '../../protocol/events.ts';
import type { EventBus } from './eventBus.ts';

export const EVENTS_CHANNEL = 'switchyard_events';

/** Payloads above this go by reference; the margin under NOTIFY's 8,000 bytes leaves room for the channel name. */
export const NOTIFY_LIMIT_BYTES = 7_000;

export interface EventBridgeOptions {
  /** Told of events that could not cross; by default a process warning. Local delivery never depends on it. */
  onError?(error: EventBridgeError): void;
  /**
   * False for a process with no WebSocket clients (`switchyard worker`, a command line executing a run): it sends
   * its events and receives none, so that N such processes do not each parse every other one's events.
   */
  receive?: boolean;
}

export interface EventBridge {
  /** Publishes locally and to the other processes; subscribes and replays on the local bus. */
  bus: EventBus;
  /** Sends what is still queued, then stops listening. Later publishes stay local. */
  close(): Promise<void>;
}

/** What goes out: the events published in one burst (one tick), or one too large to notify, by reference. */
const notificationSchema = z.union([
  z.object({ origin: z.string(), events: z.array(z.object({ project_id: z.string(), event: WorkflowEvent })) }),
  z.object({ origin: z.string(), ref: z.number().int().positive() }),
]);

/** Room for `{"origin":"<uuid>","events":[…]}` around the events. */
const ENVELOPE_BYTES = 80;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function warn(error: EventBridgeError): void {
  process.emitWarning(error.message, { code: `SWITCHYARD_${error.code.toUpperCase()}` });
}

function isForeignKeyViolation(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === '23503') return true;
  }
  return false;
}

/**
 * Bridges `local` to the other processes on `database` with LISTEN/NOTIFY. On PGlite (one process) it returns
 * `local` unchanged. Events leave together, as one notification, when they are published in one tick or while
 * the notification before them is in flight, so a burst costs one round trip rather than one per event.
 * Notifications leave in publication order, one at a time, and are re-published in arrival order, so each
 * process's events keep their order everywhere.
 */
export async function bridgeEventBus(
  local: EventBus,
  database: DatabaseHandle,
  options: EventBridgeOptions = {},
): Promise<EventBridge> {
  if (database.kind === 'pglite' || !database.listen) return { bus: local, close: async () => undefined };
  const { db } = database;
  const report = options.onError ?? warn;
  const origin = randomUUID();
  let incoming: Promise<void> = Promise.resolve();
  let closed = false;

  async function notify(payload: string): Promise<void> {
    await db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`);
  }

  /** Stores the event and notifies its row id in one statement, so the row is committed before anyone reads it. */
  async function notifyByReference(projectId: string, event: WorkflowEvent, runId: string | null): Promise<boolean> {
    const rows = await queryRows<{ id: number }>(
      db,
      sql`with stored as (
            insert into workflow_events (project_id, workflow_run_id, type, data)
            select p.id,
                   (select r.id from workflow_runs r where r.id = ${runId}::uuid and r.project_id = p.id),
                   ${event.type}, ${JSON.stringify(event.data)}::jsonb
            from projects p where p.id = ${projectId}::uuid
            returning id
          )
          select id, pg_notify(${EVENTS_CHANNEL}, json_build_object('origin', ${origin}::text, 'ref', id)::text)
          from stored`,
    );
    return rows.length > 0;
  }

  async function sendByReference(projectId: string, event: WorkflowEvent): Promise<void> {
    const runId = UUID.test(event.data.execution_id) ? event.data.execution_id : null;
    let stored = false;
    if (UUID.test(projectId)) {
      try {
        stored = await notifyByReference(projectId, event, runId);
      } catch (error) {
        // The run was deleted between the lookup and the insert: keep the event, without its run.
        if (!isForeignKeyViolation(error)) throw error;
        stored = await notifyByReference(projectId, event, null);
      }
    }
    // No project row means no client anywhere can subscribe to it, so nothing is lost beyond this process.
    if (!stored) {
      throw new EventBridgeError('event_not_shared', `event ${event.type} names no stored project (${projectId})`);
    }
  }

  async function receive(payload: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      parsed = undefined;
    }
    const message = notificationSchema.safeParse(parsed);
    if (!message.success) {
      report(new EventBridgeError('notification_invalid', `ignored a notification on ${EVENTS_CHANNEL}`));
      return;
    }
    if (message.data.origin === origin) return;
    if ('events' in message.data) {
      for (const { project_id, event } of message.data.events) local.publish(project_id, event);
      return;
    }
    const [row] = await queryRows<{ project_id: string; type: string; data: unknown }>(
      db,
      sql`select project_id, type, data from workflow_events where id = ${message.data.ref}`,
    );
    const event = WorkflowEvent.safeParse(row ? { type: row.type, data: row.data } : undefined);
    if (!row || !event.success) {
      report(
        new EventBridgeError('event_ref_missing', `workflow_events row ${message.data.ref} is missing or invalid`),
      );
      return;
    }
    local.publish(row.project_id, event.data);
  }

  function failed(code: EventBridgeErrorCode, what: string) {
    return (error: unknown) =>
      report(
        error instanceof EventBridgeError
          ? error
          : new EventBridgeError(code, `${what}: ${String(error)}`, { cause: error }),
      );
  }

  // What waits to go out, in publication order: whole notifications (a full batch, an event by reference), then
  // the batch still filling. One send is in flight at a time; whatever is published meanwhile joins the batch, so
  // under load one notification carries the events of many ticks instead of each tick sending its own.
  const waiting: { send: () => Promise<void>; what: string }[] = [];
  let batch: string[] = [];
  let batchBytes = 0;
  let sending: Promise<void> | undefined;
  let sendSoon: NodeJS.Immediate | undefined;

  /** Closes the batch filling now: it goes out after what waits before it. */
  function closeBatch(): void {
    if (batch.length === 0) return;
    const payload = `{"origin":${JSON.stringify(origin)},"events":[${batch.join(',')}]}`;
    const count = batch.length;
    batch = [];
    batchBytes = 0;
    waiting.push({ send: () => notify(payload), what: `could not share ${count} event(s)` });
  }

  async function drain(): Promise<void> {
    for (;;) {
      if (waiting.length === 0) closeBatch();
      const next = waiting.shift();
      if (!next) return;
      await next.send().catch(failed('event_not_shared', next.what));
    }
  }

  function send(): void {
    if (sendSoon) clearImmediate(sendSoon);
    sendSoon = undefined;
    sending ??= drain().finally(() => (sending = undefined));
  }

  const unlisten =
    options.receive === false
      ? async () => undefined
      : await database.listen(EVENTS_CHANNEL, (payload) => {
          incoming = incoming
            .then(() => receive(payload))
            .catch(failed('event_ref_missing', 'could not read an event'));
        });

  const bus: EventBus = {
    bootId: local.bootId,
    get lastId() {
      return local.lastId;
    },
    subscribe: (projectId, listener) => local.subscribe(projectId, listener),
    since: (projectId, lastId) => local.since(projectId, lastId),
    publish(projectId, event) {
      const numbered = local.publish(projectId, event);
      if (closed) return numbered;
      // Serialised now, so a caller that later mutates `data` cannot change what the others receive.
      const entry = JSON.stringify({ project_id: projectId, event: { type: event.type, data: event.data } });
      const bytes = Buffer.byteLength(entry);
      if (bytes > NOTIFY_LIMIT_BYTES - ENVELOPE_BYTES) {
        closeBatch();
        const copy = JSON.parse(entry) as { event: WorkflowEvent };
        waiting.push({
          send: () => sendByReference(projectId, copy.event),
          what: `could not share event ${numbered.id} (${event.type})`,
        });
      } else {
        if (batchBytes + bytes + 1 > NOTIFY_LIMIT_BYTES - ENVELOPE_BYTES) closeBatch();
        batch.push(entry);
        batchBytes += bytes + 1;
      }
      // The rest of this tick's events go with it (a step's commit and the next step's start, say).
      sendSoon ??= setImmediate(send);
      return numbered;
    },
  };

  return {
    bus,
    async close() {
      if (closed) return;
      closed = true;
      send();
      while (sending) await sending;
      await unlisten();
      await incoming;
    },
  };
}
