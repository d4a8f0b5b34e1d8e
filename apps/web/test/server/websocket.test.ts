import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openDatabase, queryRows } from '../../src/server/db/connection.ts';
import type { DatabaseHandle } from '../../src/server/db/connection.ts';
import { bridgeEventBus } from '../../src/server/websocket/crossProcess.ts';
import type { EventBridgeError } from '../../src/errors.ts';
import type { WorkflowEvent } from '../../src/protocol/events.ts';
import type { EventBridge } from '../../src/server/websocket/crossProcess.ts';
import type { EventBus, NumberedEvent } from '../../src/server/websocket/eventBus.ts';
import { createEventBus } from '../../src/server/websocket/memoryEventBus.ts';
import type { MemoryEventBus } from '../../src/server/websocket/memoryEventBus.ts';
import { TOO_SLOW_CODE, TOO_SLOW_REASON, websocketRoutes } from '../../src/server/websocket/websocketRoutes.ts';
import { DATABASE_KINDS, TEST_DATABASE_URL, withDatabase } from './databases.ts';
import { seedRun } from './fixtures.ts';
import { oneOfEachEvent, progressEvent, tagOf } from './sampleEvents.ts';

const WAIT_MS = 15_000;

/** A frame from the server, loosely typed: the tests assert its shape. */
type Frame = Record<string, unknown> & { type?: string; id?: number };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves once `condition` holds; fails with `what` after a timeout rather than hanging the suite. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function startServer(bus: EventBus, projects: Set<string>): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  await app.register(websocketRoutes, { bus, projectExists: async (id) => projects.has(id) });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => app.close());
  return { app, url: `${address.replace('http', 'ws')}/ws` };
}

interface TestClient {
  socket: WebSocket;
  frames: Frame[];
  /** Event frames (those with an id), in arrival order. */
  events(): Frame[];
  send(message: unknown): void;
  /** Resolves once `predicate` holds over the frames received so far. */
  waitFor(predicate: (frames: Frame[]) => boolean, what: string): Promise<void>;
  /** Resolves when `count` more frames than `from` have arrived. */
  waitForFrames(count: number, what: string): Promise<Frame[]>;
  closed: Promise<{ code: number; reason: string }>;
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  const socket = new WebSocket(url, { headers });
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as Frame);
    for (const waiter of [...waiters]) waiter();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  cleanups.push(async () => {
    socket.terminate();
  });
  const waitFor = (predicate: (frames: Frame[]) => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate(frames)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `timed out after ${WAIT_MS} ms waiting for ${what}; got ${frames.length} frames, the last: ${JSON.stringify(frames.at(-1))?.slice(0, 300)}`,
          ),
        );
      }, WAIT_MS);
      waiters.add(check);
      check();
    });
  return {
    socket,
    frames,
    events: () => frames.filter((frame) => typeof frame.id === 'number'),
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    waitFor,
    async waitForFrames(count, what) {
      const from = frames.length;
      await waitFor((all) => all.length >= from + count, what);
      return frames.slice(from, from + count);
    },
    closed,
  };
}

/** Sends a ping and waits for its pong: every frame sent before it has then been handled. */
async function roundTrip(client: TestClient): Promise<void> {
  const pongs = client.frames.filter((frame) => frame.type === 'pong').length;
  client.send({ type: 'ping' });
  await client.waitFor((frames) => frames.filter((f) => f.type === 'pong').length > pongs, 'a pong');
}

const EVENT_TYPES = oneOfEachEvent().map((event) => event.type);

const progress = (n: number, options: { tag?: string; pad?: string } = {}) => progressEvent(n, options);

function ids(frames: Frame[]): number[] {
  return frames.map((frame) => frame.id as number);
}

function expectNoGapNoDuplicate(received: number[], published: number[]) {
  expect(new Set(received).size, 'an event was delivered twice').toBe(received.length);
  expect(received).toEqual(published);
}

describe('the WebSocket at /ws', () => {
  it('delivers the seven event types to a subscriber in publication order with increasing ids', async () => {
    const bus = createEventBus();
    const project = randomUUID();
    const { url } = await startServer(bus, new Set([project]));
    const client = await connect(url);
    client.send({ type: 'subscribe', project_id: project });
    const [subscribed] = await client.waitForFrames(1, 'the subscribed reply');
    expect(subscribed).toEqual({ type: 'subscribed', project_id: project, boot_id: bus.bootId, last_event_id: 0 });

    const published = oneOfEachEvent().map((event) => bus.publish(project, event));
    await client.waitFor((frames) => frames.length === 1 + EVENT_TYPES.length, 'seven events');
    const events = client.events();
    expect(events.map((e) => e.type)).toEqual(EVENT_TYPES);
    expect(events).toEqual(published.map(({ id, type, data }) => ({ id, type, data })));
    expect(ids(events)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('replays what a reconnecting client missed, without gaps or duplicates, while events keep being published', async () => {
    const bus = createEventBus();
    const project = randomUUID();
    const other = randomUUID();
    const { url } = await startServer(bus, new Set([project, other]));
    const published: number[] = [];
    let publishing = true;
    let n = 0;
    // Publishes a few events per macrotask, interleaved with another project's, until the test has reconnected.
    const publisher = (async () => {
      while (publishing) {
        for (let i = 0; i < 5; i++) {
          published.push(bus.publish(project, progress(n++)).id);
          bus.publish(other, progress(n++));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    const received: number[] = [];
    // The first connection replays from the start too: the publisher is already running.
    let lastId = 0;
    for (let connection = 0; connection < 4; connection++) {
      const client = await connect(url);
      client.send({ type: 'subscribe', project_id: project, last_event_id: lastId, boot_id: bus.bootId });
      await client.waitFor((frames) => frames.filter((f) => f.id !== undefined).length >= 20, 'twenty events');
      if (connection === 3) {
        publishing = false;
        await publisher;
        const final = published.at(-1)!;
        await client.waitFor((frames) => frames.some((f) => f.id === final), `the last event ${final}`);
      } else {
        client.socket.terminate();
        await client.closed;
      }
      expect(client.frames.some((f) => f.type === 'resync')).toBe(false);
      received.push(...ids(client.events()));
      lastId = received.at(-1) ?? lastId;
    }
    expect(published.length).toBeGreaterThan(80);
    expectNoGapNoDuplicate(received, published);
  });

  it('tells a client to resync when the buffer no longer reaches back to its last id, and keeps it live', async () => {
    const bus = createEventBus({ bufferSize: 5 });
    const project = randomUUID();
    const { url } = await startServer(bus, new Set([project]));
    for (let n = 1; n <= 10; n++) bus.publish(project, progress(n));

    const behind = await connect(url);
    behind.send({ type: 'subscribe', project_id: project, last_event_id: 2, boot_id: bus.bootId });
    await behind.waitForFrames(2, 'subscribed and resync');
    expect(behind.frames).toEqual([
      { type: 'subscribed', project_id: project, boot_id: bus.bootId, last_event_id: 10 },
      { type: 'resync', project_id: project, reason: 'events_evicted' },
    ]);

    const recent = await connect(url);
    recent.send({ type: 'subscribe', project_id: project, last_event_id: 7, boot_id: bus.bootId });
    await recent.waitForFrames(4, 'subscribed and three replayed events');
    expect(recent.frames.slice(1).map((f) => f.id)).toEqual([8, 9, 10]);

    bus.publish(project, progress(11));
    await behind.waitFor((frames) => frames.some((f) => f.id === 11), 'the live event 11');
    await recent.waitFor((frames) => frames.some((f) => f.id === 11), 'the live event 11');
    expect(ids(behind.events())).toEqual([11]);
    expect(ids(recent.events())).toEqual([8, 9, 10, 11]);
  });

  it('tells a client whose last id comes from another boot, or from the future, to resync', async () => {
    const bus = createEventBus();
    const project = randomUUID();
    const { url } = await startServer(bus, new Set([project]));
    for (let n = 1; n <= 3; n++) bus.publish(project, progress(n));
    const client = await connect(url);
    client.send({ type: 'subscribe', project_id: project, last_event_id: 1, boot_id: randomUUID() });
    client.send({ type: 'subscribe', project_id: project, last_event_id: 1 });
    client.send({ type: 'subscribe', project_id: project, last_event_id: 99, boot_id: bus.bootId });
    await client.waitForFrames(6, 'three subscribed replies and three resyncs');
    expect(client.frames.filter((f) => f.type === 'resync').map((f) => f.reason)).toEqual([
      'boot_changed',
      'boot_changed',
      'unknown_event_id',
    ]);
    expect(client.events()).toEqual([]);
  });

  it('keeps projects apart, live and on replay', async () => {
    const bus = createEventBus();
    const [a, b] = [randomUUID(), randomUUID()];
    const { url } = await startServer(bus, new Set([a, b]));
    const first = bus.publish(a, progress(0));
    bus.publish(b, progress(1));
    const clientA = await connect(url);
    const clientB = await connect(url);
    clientA.send({ type: 'subscribe', project_id: a, last_event_id: 0, boot_id: bus.bootId });
    clientB.send({ type: 'subscribe', project_id: b });
    await clientA.waitForFrames(2, 'subscribed and one replayed event');
    await clientB.waitForFrames(1, 'subscribed');
    const forA = [first.id];
    const forB: number[] = [];
    for (let n = 2; n < 12; n++) (n % 3 ? forA : forB).push(bus.publish(n % 3 ? a : b, progress(n)).id);
    await clientA.waitFor((f) => f.length === 1 + forA.length, `${forA.length} events for project a`);
    await clientB.waitFor((f) => f.length === 1 + forB.length, `${forB.length} events for project b`);
    await roundTrip(clientA);
    await roundTrip(clientB);
    expect(ids(clientA.events())).toEqual(forA);
    expect(ids(clientB.events())).toEqual(forB);
  });

  it('answers bad frames with an error naming the field and keeps the socket open', async () => {
    const bus = createEventBus();
    const project = randomUUID();
    const { url } = await startServer(bus, new Set([project]));
    const client = await connect(url);
    const cases: [unknown, string, string][] = [
      ['{not json', 'invalid_json', ''],
      [{ type: 'dance' }, 'validation_failed', 'type'],
      [[1, 2], 'validation_failed', ''],
      [{ type: 'subscribe' }, 'validation_failed', 'project_id'],
      [{ type: 'subscribe', project_id: 'not-a-uuid' }, 'validation_failed', 'project_id'],
      [{ type: 'subscribe', project_id: project, last_event_id: -1 }, 'validation_failed', 'last_event_id'],
      [{ type: 'subscribe', project_id: project, last_event_id: '3' }, 'validation_failed', 'last_event_id'],
      [{ type: 'unsubscribe', project_id: 42 }, 'validation_failed', 'project_id'],
      [{ type: 'subscribe', project_id: randomUUID() }, 'project_not_found', 'project_id'],
    ];
    for (const [frame] of cases) client.send(frame);
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.waitForFrames(cases.length + 1, 'an error per bad frame');
    const errors = client.frames.map((frame) => {
      expect(frame.type).toBe('error');
      const error = frame.error as { code: string; message: string; details: { fields: { field: string }[] } };
      expect(error.message).toEqual(expect.any(String));
      return [error.code, error.details.fields.map((f) => f.field)];
    });
    expect(errors).toEqual([...cases.map(([, code, field]) => [code, [field]]), ['invalid_frame', ['']]]);
    await roundTrip(client);
    expect(bus.listenerCount()).toBe(0);
  });

  it('closes the socket with 1009 on a frame over 64 KB', async () => {
    const project = randomUUID();
    const { url } = await startServer(createEventBus(), new Set([project]));
    const client = await connect(url);
    client.send({ type: 'subscribe', project_id: project, boot_id: 'x'.repeat(64 * 1024) });
    expect((await client.closed).code).toBe(1009);
  });

  it('refuses an upgrade whose Origin names another host, and accepts same-origin and Origin-less clients', async () => {
    const { url } = await startServer(createEventBus(), new Set());
    const host = new URL(url).host;
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(url, { headers: { origin: 'https://evil.example' } });
      socket.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.on('open', () => reject(new Error('a cross-origin upgrade was accepted')));
      socket.on('error', () => undefined);
    });
    expect(status).toBe(403);
    for (const headers of [{ origin: `http://${host}` }, {}] as Record<string, string>[]) {
      const client = await connect(url, headers);
      await roundTrip(client);
      expect(client.frames).toEqual([{ type: 'pong' }]);
    }
  });

  it('closes a client that cannot keep up with 4008, and it catches up by reconnecting with its last id', async () => {
    const bus = createEventBus();
    const project = randomUUID();
    const { url } = await startServer(bus, new Set([project]));
    const slow = await connect(url);
    slow.send({ type: 'subscribe', project_id: project });
    await slow.waitForFrames(1, 'subscribed');
    slow.socket.pause();
    // 40 MB: more than the kernel's socket buffers on both sides plus the 8 MB the server tolerates.
    const chunk = 'x'.repeat(256 * 1024);
    const published = Array.from({ length: 160 }, (_, n) => bus.publish(project, progress(n, { pad: chunk })).id);
    slow.socket.resume();
    const closed = await slow.closed;
    expect(closed).toEqual({ code: TOO_SLOW_CODE, reason: TOO_SLOW_REASON });
    const before = ids(slow.events());
    expect(before.length).toBeLessThan(published.length);
    await waitUntil(() => bus.listenerCount() === 0, 'the slow client to be unsubscribed');

    // A replay larger than the limit is cut off the same way, so catching up may take several connections.
    const received = [...before];
    for (let connection = 0; received.at(-1) !== published.at(-1); connection++) {
      expect(connection, 'catching up took too many connections').toBeLessThan(10);
      const again = await connect(url);
      again.send({ type: 'subscribe', project_id: project, last_event_id: received.at(-1) ?? 0, boot_id: bus.bootId });
      await Promise.race([
        again.waitFor((frames) => frames.some((f) => f.id === published.at(-1)), 'the last event'),
        again.closed,
      ]);
      const got = ids(again.events());
      expect(got.length, 'a reconnection made no progress').toBeGreaterThan(0);
      received.push(...got);
      again.socket.terminate();
    }
    expectNoGapNoDuplicate(received, published);
  });

  it('leaves no listener on the bus once clients unsubscribe, disconnect or the server closes', async () => {
    const bus = createEventBus();
    const [a, b] = [randomUUID(), randomUUID()];
    const { app, url } = await startServer(bus, new Set([a, b]));
    const clients = await Promise.all([connect(url), connect(url), connect(url)]);
    for (const client of clients) {
      client.send({ type: 'subscribe', project_id: a });
      client.send({ type: 'subscribe', project_id: b });
      client.send({ type: 'subscribe', project_id: b });
      await roundTrip(client);
    }
    expect(bus.listenerCount(a)).toBe(3);
    expect(bus.listenerCount(b)).toBe(3);

    clients[0]!.send({ type: 'unsubscribe', project_id: a });
    await roundTrip(clients[0]!);
    expect(bus.listenerCount(a)).toBe(2);

    clients[0]!.socket.close();
    clients[1]!.socket.terminate();
    await waitUntil(() => bus.listenerCount() === 2, 'the two disconnected clients to be unsubscribed');
    await app.close();
    expect((await clients[2]!.closed).code).toBe(1001);
    await waitUntil(() => bus.listenerCount() === 0, 'the last client to be unsubscribed on shutdown');
  });
});

describe.each(DATABASE_KINDS)('the cross-process event bridge on $name', (kind) => {
  if (kind.name === 'pglite') {
    it('returns the local bus unchanged, since PGlite has one process', async () => {
      const database = await kind.open();
      cleanups.push(() => database.drop());
      const local = createEventBus();
      const bridge = await bridgeEventBus(local, database);
      expect(bridge.bus).toBe(local);
      await bridge.close();
    });
    return;
  }

  it('sends the events of a send-only process (receive: false) and delivers it none of the others', async () => {
    const first = await kind.open();
    cleanups.push(() => first.drop());
    const name = new URL(first.location).pathname.slice(1);
    const second = await openDatabase({ url: withDatabase(TEST_DATABASE_URL, name) });
    cleanups.push(() => second.close());
    const seeded = await seedRun(first.db);
    cleanups.push(() => seeded.cleanup());
    const project = seeded.projectId;
    const worker = await bridgeEventBus(createEventBus(), first, { receive: false });
    cleanups.push(() => worker.close());
    const server = await bridgeEventBus(createEventBus(), second);
    cleanups.push(() => server.close());
    const atWorker: NumberedEvent[] = [];
    const atServer: NumberedEvent[] = [];
    worker.bus.subscribe(project, (event) => atWorker.push(event));
    server.bus.subscribe(project, (event) => atServer.push(event));

    worker.bus.publish(project, progressEvent(1, { tag: 'worker' }));
    worker.bus.publish(project, progressEvent(2, { tag: 'worker' }));
    server.bus.publish(project, progressEvent(3, { tag: 'server' }));
    await waitUntil(() => atServer.length === 3, "the worker's events at the server");
    expect(atServer.map((event) => tagOf(event)).sort()).toEqual(['server', 'worker', 'worker']);
    expect(atWorker.map((event) => tagOf(event))).toEqual(['worker', 'worker']);
    // Only the server listens: the worker has no connection the others' events could come in on.
    const listening = await queryRows<{ n: number }>(
      first.db,
      sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and query like 'listen %switchyard_events%'`,
    );
    expect(listening[0]!.n).toBe(1);
  });

  it('lets two processes see each other’s events in order, a 50 KB one by reference, each once', async () => {
    const first = await kind.open();
    cleanups.push(() => first.drop());
    const localA = createEventBus();
    const name = new URL(first.location).pathname.slice(1);
    const second = await openDatabase({ url: withDatabase(TEST_DATABASE_URL, name) });
    cleanups.push(() => second.close());
    const seeded = await seedRun(first.db);
    cleanups.push(() => seeded.cleanup());
    const project = seeded.projectId;

    const errors: EventBridgeError[] = [];
    const open = async (local: MemoryEventBus, database: DatabaseHandle) => {
      const bridge = await bridgeEventBus(local, database, { onError: (error) => errors.push(error) });
      cleanups.push(() => bridge.close());
      const seen: NumberedEvent[] = [];
      local.subscribe(project, (event) => seen.push(event));
      return { bridge, seen };
    };
    const a = await open(localA, first);
    const localB = createEventBus();
    const b = await open(localB, second);

    // A server on B's side: its WebSocket clients see A's events too.
    const { url } = await startServer(b.bridge.bus, new Set([project]));
    const client = await connect(url);
    client.send({ type: 'subscribe', project_id: project });
    await client.waitForFrames(1, 'subscribed');

    const [, , completed, , artifactCreated] = oneOfEachEvent(seeded.runId);
    // Over NOTIFY's limit: these two go by reference through workflow_events (the second names an unknown run).
    const big = { ...completed!, data: { ...completed!.data, step_id: 'é'.repeat(25_000) } } as WorkflowEvent;
    const unknownRun = {
      ...artifactCreated!,
      data: { ...artifactCreated!.data, execution_id: randomUUID(), step_id: 'y'.repeat(8_000) },
    } as WorkflowEvent;
    const fromA: WorkflowEvent[] = [];
    const fromB: WorkflowEvent[] = [];
    for (let n = 0; n < 30; n++) {
      const eventA = n === 10 ? big : n === 20 ? unknownRun : progress(n, { tag: 'a' });
      fromA.push(eventA);
      a.bridge.bus.publish(project, eventA);
      const eventB = progress(n, { tag: 'b' });
      fromB.push(eventB);
      b.bridge.bus.publish(project, eventB);
    }
    const strip = (events: NumberedEvent[]) => events.map(({ type, data }) => ({ type, data }) as WorkflowEvent);
    const only = (events: NumberedEvent[], from: 'a' | 'b') =>
      strip(events).filter((e) => tagOf(e) === from || (from === 'a' && tagOf(e) === undefined));

    await waitUntil(() => b.seen.length === 60, `B to see A's 30 events besides its own`);
    await waitUntil(() => a.seen.length === 60, `A to see B's 30 events besides its own`);
    await client.waitFor((frames) => frames.length === 61, 'the WebSocket client to receive all 60 events');
    // B first: anything it wrongly re-notified would then reach A before A stops listening.
    await b.bridge.close();
    await a.bridge.close();

    expect(only(b.seen, 'a')).toEqual(fromA);
    expect(only(a.seen, 'b')).toEqual(fromB);
    expect(only(a.seen, 'a')).toEqual(fromA);
    expect(ids(client.events())).toEqual(b.seen.map((e) => e.id));
    expect(b.seen.map((e) => e.id)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(errors).toEqual([]);

    const stored = await queryRows<{ workflow_run_id: string | null; type: string }>(
      first.db,
      sql`select workflow_run_id, type from workflow_events order by id`,
    );
    expect(stored).toEqual([
      { workflow_run_id: seeded.runId, type: 'workflow.step.completed' },
      { workflow_run_id: null, type: 'workflow.artifact.created' },
    ]);
  });

  it('reports an event too large to notify whose project is not stored, and still delivers it locally', async () => {
    const database = await kind.open();
    cleanups.push(() => database.drop());
    const errors: EventBridgeError[] = [];
    const local = createEventBus();
    const bridge: EventBridge = await bridgeEventBus(local, database, { onError: (error) => errors.push(error) });
    const project = randomUUID();
    const seen: number[] = [];
    local.subscribe(project, (event) => seen.push(event.id));
    bridge.bus.publish(project, progress(1, { pad: 'z'.repeat(10_000) }));
    await bridge.close();
    expect(seen).toEqual([1]);
    expect(errors.map((error) => error.code)).toEqual(['event_not_shared']);
  });
});
