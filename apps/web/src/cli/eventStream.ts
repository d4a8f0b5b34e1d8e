/**
 * A project's events from a server's WebSocket (`/ws`), for `--follow` through a server. The stream subscribes
 * before the command acts, so it misses nothing the action causes; a dropped connection is reopened with the last
 * event id and boot id, so the server replays what was missed — or says `resync`, and the caller looks again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { ServerRequestError } from '../errors.ts';
import { ServerMessage } from '../protocol/events.ts';
import type { NumberedEvent } from '../protocol/events.ts';

export interface EventStreamHandlers {
  onEvent(event: NumberedEvent): void;
  /** The server could not replay what was missed: whatever the events would have said must be read anew. */
  onResync(): void;
  /** The stream is lost for good (the server stopped answering). */
  onLost(error: ServerRequestError): void;
}

export interface EventStream {
  close(): void;
}

const RECONNECT_ATTEMPTS = 8;

export async function openEventStream(
  server: { url: string; token?: string },
  projectId: string,
  handlers: EventStreamHandlers,
): Promise<EventStream> {
  const url = new URL('/ws', server.url);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let position: { lastId: number; bootId: string } | undefined;
  let socket: WebSocket | undefined;
  let closed = false;

  /** Opens a connection and subscribes; resolves once the server confirms, rejects if it cannot. */
  function connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const next = new WebSocket(url, {
        headers: server.token ? { authorization: `Bearer ${server.token}` } : {},
      });
      socket = next;
      let subscribed = false;
      next.on('open', () => {
        next.send(
          JSON.stringify({
            type: 'subscribe',
            project_id: projectId,
            ...(position ? { last_event_id: position.lastId, boot_id: position.bootId } : {}),
          }),
        );
      });
      next.on('message', (data) => {
        const parsed = ServerMessage.safeParse(JSON.parse(String(data)));
        if (!parsed.success) return;
        const message = parsed.data;
        if (message.type === 'subscribed') {
          position =
            position?.bootId === message.boot_id
              ? position
              : { lastId: message.last_event_id, bootId: message.boot_id };
          subscribed = true;
          resolve();
        } else if (message.type === 'resync') {
          handlers.onResync();
        } else if (message.type === 'error') {
          if (!subscribed)
            reject(
              new ServerRequestError(
                'server_rejected',
                `the server at ${server.url} answered: ${message.error.message}`,
              ),
            );
        } else if (message.type !== 'pong' && 'id' in message) {
          if (position) position.lastId = Math.max(position.lastId, message.id);
          handlers.onEvent(message);
        }
      });
      next.on('error', (error) => {
        if (!subscribed)
          reject(
            new ServerRequestError(
              'server_unreachable',
              `the server at ${server.url} did not answer on /ws: ${error.message}`,
            ),
          );
      });
      next.on('close', () => {
        if (subscribed && !closed) void reconnect();
      });
    });
  }

  async function reconnect(): Promise<void> {
    for (let attempt = 1; attempt <= RECONNECT_ATTEMPTS && !closed; attempt++) {
      await sleep(Math.min(2_000, 100 * 2 ** attempt));
      try {
        await connect();
        return;
      } catch {
        // Try again, up to the last attempt.
      }
    }
    if (!closed)
      handlers.onLost(new ServerRequestError('server_unreachable', `lost the event stream of ${server.url}`));
  }

  await connect();
  return {
    close() {
      closed = true;
      socket?.close();
    },
  };
}
