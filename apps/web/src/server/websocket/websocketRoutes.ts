/**
 * `GET /ws`: live events for the board. A client subscribes to a project, optionally with the last event id it
 * saw and the boot id it saw it under; it receives what it missed (or a `resync` hint), then every new event, in
 * id order, each once.
 */
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { AppError, InvalidInputError, NotFoundError } from '../../errors.ts';
import { ClientMessage } from '../../protocol/events.ts';
import type { NumberedEvent, ResyncReason, ServerMessage } from '../../protocol/events.ts';
import { parseInput } from '../http/parseInput.ts';
import type { EventBus } from './eventBus.ts';

/** Larger client frames close the socket with 1009; the protocol's messages are a few hundred bytes. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Past this much unsent data the client is closed with {@link TOO_SLOW_CODE} rather than buffered forever. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
export const TOO_SLOW_CODE = 4008;
export const TOO_SLOW_REASON = 'too slow: reconnect with last_event_id';

export interface WebsocketRoutesOptions {
  bus: EventBus;
  projectExists(projectId: string): Promise<boolean>;
}

/** True when the upgrade carries no Origin (CLI clients) or one naming the same host the request was sent to. */
export function sameOrigin(headers: FastifyRequest['headers']): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (!headers.host) return false;
  try {
    const parsed = new URL(origin);
    // Parsed with the Origin's scheme so a default port written out on one side still compares equal.
    return new URL(`${parsed.protocol}//${headers.host}`).host === parsed.host;
  } catch {
    return false;
  }
}

function parseFrame(data: RawData, isBinary: boolean): ClientMessage | AppError {
  if (isBinary) return new InvalidInputError([{ field: '', message: 'frames must be JSON text' }], 'invalid_frame');
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    return new InvalidInputError([{ field: '', message: 'not valid JSON' }], 'invalid_json');
  }
  try {
    return parseInput(ClientMessage, value);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

function errorMessage(error: { code: string; message: string; details?: Record<string, unknown> }): ServerMessage {
  return { type: 'error', error: { code: error.code, message: error.message, details: error.details ?? {} } };
}

/** A client may send this many frames a second (in bursts up to {@link FRAME_BURST}); the protocol needs a few. */
export const FRAMES_PER_SECOND = 20;
export const FRAME_BURST = 50;
/** A client that keeps sending at ten times the budget is disconnected with this code. */
export const RATE_LIMITED_CODE = 1008;

/**
 * A token bucket per socket: frames over the budget are answered `rate_limited` and dropped — before any is
 * parsed or looks up a project, which is what made a flood of subscribes slow the whole server down.
 */
function frameBudget(now = () => performance.now()) {
  let tokens = FRAME_BURST;
  let refused = 0;
  let last = now();
  return {
    /** `refuse`: drop it and say so (once per burst); `drop`: drop it silently; `close`: the client floods. */
    take(): 'ok' | 'drop' | 'refuse' | 'close' {
      const at = now();
      tokens = Math.min(FRAME_BURST, tokens + ((at - last) / 1000) * FRAMES_PER_SECOND);
      last = at;
      if (tokens >= 1) {
        tokens -= 1;
        refused = 0;
        return 'ok';
      }
      refused++;
      if (refused > FRAME_BURST * 10) return 'close';
      return refused % FRAME_BURST === 1 ? 'refuse' : 'drop';
    },
  };
}

/** One client's subscriptions; everything it holds on the bus is released when the socket closes. */
function serveConnection(socket: WebSocket, { bus, projectExists }: WebsocketRoutesOptions, request: FastifyRequest) {
  const subscriptions = new Map<string, () => void>();
  let open = true;
  // Frames are handled one at a time so replies keep the order of requests despite the awaited project lookup.
  let handling: Promise<void> = Promise.resolve();

  function release() {
    open = false;
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
  }

  function send(message: ServerMessage) {
    if (!open || socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(message));
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      release();
      socket.close(TOO_SLOW_CODE, TOO_SLOW_REASON);
    }
  }

  async function subscribe(message: Extract<ClientMessage, { type: 'subscribe' }>) {
    const projectId = message.project_id;
    if (!(await projectExists(projectId))) {
      send(errorMessage(new NotFoundError('project', projectId, { field: 'project_id', code: 'project_not_found' })));
      return;
    }
    if (!open) return;
    subscriptions.get(projectId)?.();

    let lastSent = 0;
    let queued: NumberedEvent[] | undefined = [];
    const deliver = (event: NumberedEvent) => {
      if (event.id <= lastSent) return;
      lastSent = event.id;
      send(event);
    };
    // Subscribed before reading the buffer, so nothing published in between can fall into a gap.
    subscriptions.set(
      projectId,
      bus.subscribe(projectId, (event) => (queued ? queued.push(event) : deliver(event))),
    );
    const current = bus.lastId;
    send({ type: 'subscribed', project_id: projectId, boot_id: bus.bootId, last_event_id: current });
    if (message.last_event_id !== undefined) {
      const replay = message.boot_id === bus.bootId ? bus.since(projectId, message.last_event_id) : undefined;
      if (replay && 'events' in replay) {
        for (const event of replay.events) deliver(event);
      } else {
        const reason: ResyncReason = !replay
          ? 'boot_changed'
          : message.last_event_id > current
            ? 'unknown_event_id'
            : 'events_evicted';
        send({ type: 'resync', project_id: projectId, reason });
      }
    }
    lastSent = Math.max(lastSent, current);
    const pending = queued;
    queued = undefined;
    for (const event of pending) deliver(event);
  }

  async function handle(data: RawData, isBinary: boolean) {
    const message = parseFrame(data, isBinary);
    if (message instanceof AppError) return send(errorMessage(message));
    switch (message.type) {
      case 'ping':
        return send({ type: 'pong' });
      case 'unsubscribe':
        subscriptions.get(message.project_id)?.();
        subscriptions.delete(message.project_id);
        return;
      case 'subscribe':
        return subscribe(message);
    }
  }

  const budget = frameBudget();
  socket.on('message', (data, isBinary) => {
    const allowed = budget.take();
    if (allowed === 'close') {
      release();
      return socket.close(RATE_LIMITED_CODE, 'too many messages');
    }
    if (allowed === 'refuse') {
      return send(errorMessage({ code: 'rate_limited', message: `more than ${FRAMES_PER_SECOND} messages a second` }));
    }
    if (allowed === 'drop') return;
    handling = handling
      .then(() => handle(data, isBinary))
      .catch((error: unknown) => {
        request.log.error({ err: error }, 'websocket message failed');
        send(errorMessage({ code: 'internal', message: 'internal server error' }));
      });
  });
  socket.on('close', release);
}

/**
 * Serves `GET /ws`. Registered as an ordinary (encapsulated) plugin: the WebSocket support and the Origin check
 * apply to this route only.
 */
export async function websocketRoutes(app: FastifyInstance, options: WebsocketRoutesOptions): Promise<void> {
  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_FRAME_BYTES },
    // ws already closes the socket for protocol errors (1009 for a frame over maxPayload); terminating here as the
    // default handler does would cut off that close frame.
    errorHandler(error, socket, request) {
      request.log.info({ err: error }, 'websocket connection error');
      if (socket.readyState === socket.OPEN) socket.close(1011, 'internal error');
    },
    // 1001 (going away) rather than the default's bare close, so clients know to reconnect with their last id.
    async preClose(this: FastifyInstance) {
      for (const client of this.websocketServer.clients) client.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
    },
  });

  // A browser sends any site's cookies with a cross-site upgrade, so only same-origin pages may connect.
  app.addHook('onRequest', async (request, reply) => {
    if (sameOrigin(request.headers)) return;
    await reply.code(403).send({
      error: {
        code: 'origin_forbidden',
        message: `origin ${request.headers.origin} may not open a WebSocket on ${request.headers.host}`,
        details: { fields: [{ field: 'origin', message: 'must match the Host header' }] },
      },
    });
  });

  app.get('/ws', { websocket: true }, (socket, request) => serveConnection(socket, options, request));
}
