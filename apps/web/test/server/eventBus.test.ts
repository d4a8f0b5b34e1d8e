import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../src/server/websocket/memoryEventBus.ts';
import { progressEvent } from './sampleEvents.ts';

const A = 'project-a';
const B = 'project-b';
const event = (n: number) => progressEvent(n);

describe('the in-memory event bus', () => {
  it('numbers events from 1, one per publication across projects, and reports the newest id', () => {
    const bus = createEventBus();
    expect(bus.lastId).toBe(0);
    expect(bus.publish(A, event(1)).id).toBe(1);
    expect(bus.publish(B, event(2)).id).toBe(2);
    expect(bus.publish(A, event(3))).toEqual({ id: 3, ...event(3) });
    expect(bus.lastId).toBe(3);
  });

  it('gives every bus its own boot id', () => {
    expect(createEventBus().bootId).not.toBe(createEventBus().bootId);
  });

  it('delivers to the subscribers of the event’s project only, until they unsubscribe', () => {
    const bus = createEventBus();
    const seenA: number[] = [];
    const seenB: number[] = [];
    const stopA = bus.subscribe(A, (e) => seenA.push(e.id));
    bus.subscribe(B, (e) => seenB.push(e.id));
    bus.publish(A, event(1));
    bus.publish(B, event(2));
    stopA();
    stopA();
    bus.publish(A, event(3));
    expect(seenA).toEqual([1]);
    expect(seenB).toEqual([2]);
    expect(bus.listenerCount(A)).toBe(0);
    expect(bus.listenerCount()).toBe(1);
  });

  it('keeps delivering to the other listeners when one throws, and reports the failure', () => {
    const failures: number[] = [];
    const bus = createEventBus({ onListenerError: (_error, _project, e) => failures.push(e.id) });
    const seen: number[] = [];
    bus.subscribe(A, () => {
      throw new Error('listener bug');
    });
    bus.subscribe(A, (e) => seen.push(e.id));
    expect(bus.publish(A, event(1)).id).toBe(1);
    bus.publish(A, event(2));
    expect(seen).toEqual([1, 2]);
    expect(failures).toEqual([1, 2]);
  });

  it('replays a project’s events after a given id while the buffer still holds them', () => {
    const bus = createEventBus({ bufferSize: 4 });
    for (let n = 1; n <= 6; n++) bus.publish(n % 2 ? A : B, event(n));
    // Buffer holds 3..6; project A lost event 1 only.
    expect(bus.since(A, 1)).toEqual({
      events: [
        { id: 3, ...event(3) },
        { id: 5, ...event(5) },
      ],
    });
    expect(bus.since(A, 3)).toEqual({ events: [{ id: 5, ...event(5) }] });
    expect(bus.since(A, 6)).toEqual({ events: [] });
    expect(bus.since(B, 2)).toEqual({
      events: [
        { id: 4, ...event(4) },
        { id: 6, ...event(6) },
      ],
    });
  });

  it('asks for a resync when the project’s events after the id were evicted or the id is in the future', () => {
    const bus = createEventBus({ bufferSize: 4 });
    for (let n = 1; n <= 6; n++) bus.publish(n % 2 ? A : B, event(n));
    expect(bus.since(A, 0)).toEqual({ resync: true });
    expect(bus.since(B, 1)).toEqual({ resync: true });
    expect(bus.since(A, 7)).toEqual({ resync: true });
    expect(bus.since('project-c', 0)).toEqual({ events: [] });
  });
});
