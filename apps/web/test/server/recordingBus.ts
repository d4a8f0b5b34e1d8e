/** An event bus that records what is published, for route tests that assert on events without a WebSocket. */
import type { WorkflowEvent } from '../../src/protocol/events.ts';
import type { EventBus, NumberedEvent } from '../../src/server/websocket/eventBus.ts';

export interface RecordingBus extends EventBus {
  published: Array<{ projectId: string; event: NumberedEvent }>;
}

export function recordingBus(): RecordingBus {
  const published: RecordingBus['published'] = [];
  return {
    bootId: 'test',
    published,
    get lastId() {
      return published.length;
    },
    publish(projectId: string, event: WorkflowEvent) {
      const numbered = { ...event, id: published.length + 1 } as NumberedEvent;
      published.push({ projectId, event: numbered });
      return numbered;
    },
    subscribe: () => () => undefined,
    since: () => ({ events: [] }),
  };
}
