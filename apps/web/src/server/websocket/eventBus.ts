/**
 * The server's event bus: what the engine's workers, the services and the WebSocket share. Every event is
 * published for a project; subscribers of that project receive it with an id that increases monotonically on
 * this server. A reconnecting client asks for what it missed after its last id.
 */

import type { NumberedEvent, WorkflowEvent } from '../../protocol/events.ts';

export type { NumberedEvent };

export type Replay = { events: NumberedEvent[] } | { resync: true };

export interface EventBus {
  /** Identifies this server's numbering: ids from another boot of the server mean nothing here. */
  readonly bootId: string;
  publish(projectId: string, event: WorkflowEvent): NumberedEvent;
  subscribe(projectId: string, listener: (event: NumberedEvent) => void): () => void;
  /** The project's events after `lastId`, or `resync` when the buffer no longer reaches back that far. */
  since(projectId: string, lastId: number): Replay;
  /** The id of the newest event published here (0 before the first). */
  readonly lastId: number;
}
