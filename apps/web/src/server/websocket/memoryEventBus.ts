/**
 * The in-process event bus: numbers events for this server and keeps the newest ones in a bounded ring buffer, so
 * a reconnecting client catches up by event id without the database.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowEvent } from '../../protocol/events.ts';
import type { EventBus, NumberedEvent, Replay } from './eventBus.ts';

export interface MemoryEventBusOptions {
  /** How many events (across all projects) `since` can reach back over; 10,000 by default. */
  bufferSize?: number;
  /** Told when a listener throws; the event still reaches every other listener. */
  onListenerError?(error: unknown, projectId: string, event: NumberedEvent): void;
}

/** An {@link EventBus} that also answers how many listeners it holds, so tests can prove none leak. */
export interface MemoryEventBus extends EventBus {
  /** Listeners of one project, or of all projects without an argument. */
  listenerCount(projectId?: string): number;
}

interface BufferedEvent {
  projectId: string;
  event: NumberedEvent;
}

const DEFAULT_BUFFER_SIZE = 10_000;

function warnListenerError(error: unknown, projectId: string, event: NumberedEvent): void {
  process.emitWarning(`event listener for project ${projectId} threw on event ${event.id}: ${String(error)}`, {
    code: 'SWITCHYARD_EVENT_LISTENER',
  });
}

/** Creates an event bus whose ids start at 1 on every boot (hence its random `bootId`). */
export function createEventBus(options: MemoryEventBusOptions = {}): MemoryEventBus {
  const capacity = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`bufferSize must be a positive integer`);
  const onListenerError = options.onListenerError ?? warnListenerError;
  const bootId = randomUUID();
  // Ids are consecutive, so event `id` sits at slot `(id - 1) % capacity` while it is still buffered.
  const ring: (BufferedEvent | undefined)[] = new Array(capacity);
  const listeners = new Map<string, Set<(event: NumberedEvent) => void>>();
  // Per project, the newest id that was evicted: resync only when the project itself lost events.
  const evictedThrough = new Map<string, number>();
  let lastId = 0;

  function publish(projectId: string, outgoing: WorkflowEvent): NumberedEvent {
    const event = { id: lastId + 1, ...outgoing } as NumberedEvent;
    lastId = event.id;
    const slot = (event.id - 1) % capacity;
    const evicted = ring[slot];
    if (evicted) evictedThrough.set(evicted.projectId, evicted.event.id);
    ring[slot] = { projectId, event };
    // A snapshot, so a listener added while this event is dispatched does not also receive it here.
    for (const listener of [...(listeners.get(projectId) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        onListenerError(error, projectId, event);
      }
    }
    return event;
  }

  function subscribe(projectId: string, listener: (event: NumberedEvent) => void): () => void {
    let set = listeners.get(projectId);
    if (!set) listeners.set(projectId, (set = new Set()));
    // Wrapped, so subscribing the same function twice yields two independent subscriptions.
    const entry = (event: NumberedEvent) => listener(event);
    set.add(entry);
    return () => {
      const current = listeners.get(projectId);
      if (!current?.delete(entry)) return;
      if (current.size === 0) listeners.delete(projectId);
    };
  }

  function since(projectId: string, afterId: number): Replay {
    if (afterId > lastId || afterId < (evictedThrough.get(projectId) ?? 0)) return { resync: true };
    const oldest = Math.max(1, lastId - capacity + 1, afterId + 1);
    const events: NumberedEvent[] = [];
    for (let id = oldest; id <= lastId; id++) {
      const buffered = ring[(id - 1) % capacity];
      if (buffered?.projectId === projectId) events.push(buffered.event);
    }
    return { events };
  }

  function listenerCount(projectId?: string): number {
    if (projectId !== undefined) return listeners.get(projectId)?.size ?? 0;
    let total = 0;
    for (const set of listeners.values()) total += set.size;
    return total;
  }

  return {
    bootId,
    publish,
    subscribe,
    since,
    listenerCount,
    get lastId() {
      return lastId;
    },
  };
}
