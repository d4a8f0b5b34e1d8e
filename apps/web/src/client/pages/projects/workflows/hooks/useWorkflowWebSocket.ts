/**
 * One WebSocket per tab, subscribed to the project. Every event patches the query cache in place (`setQueryData`)
 * instead of refetching; a reconnect (with backoff) sends the last event id and boot id so the server replays what
 * was missed; a `resync` refetches. The connection state is in the store, for the indicator.
 */
import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { ServerMessage } from '../../../../../protocol/events.ts';
import type { WorkflowEvent } from '../../../../../protocol/events.ts';
import type { Board } from '../../../../../protocol/board.ts';
import type { WorkflowDefinition } from '../../../../../protocol/templates.ts';
import { queries } from '../../../../lib/queries.ts';
import { patchBoard } from '../lib/boardPatch.ts';
import { useWorkflowStore } from '../stores/workflowStore.ts';

const BACKOFF_MS = [250, 500, 1_000, 2_000, 5_000, 10_000];
const PING_MS = 25_000;

function socketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/ws`;
}

/** Detail queries of the run an event is about are refreshed, at most once per animation frame per run. */
function refreshRun(client: QueryClient, runId: string, pending: Set<string>) {
  if (pending.has(runId)) return;
  pending.add(runId);
  requestAnimationFrame(() => {
    pending.delete(runId);
    void client.invalidateQueries({ queryKey: ['workflow-execution', runId] });
  });
}

function announce(event: WorkflowEvent, board: Board | undefined) {
  if (event.type !== 'workflow.execution.status_changed') return;
  const { status } = event.data;
  if (status !== 'completed' && status !== 'failed') return;
  const name = board?.cards.find((c) => c.id === event.data.execution_id)?.name ?? 'A run';
  useWorkflowStore.getState().pushToast({
    tone: status === 'completed' ? 'success' : 'danger',
    title: status === 'completed' ? `${name} completed` : `${name} failed`,
    body: status === 'failed' ? (event.data.error ?? undefined) : undefined,
    runId: event.data.execution_id,
  });
}

export function applyEvent(client: QueryClient, projectId: string, event: WorkflowEvent, pending: Set<string>) {
  const boardKey = queries.board(projectId).queryKey;
  const board = client.getQueryData(boardKey);
  announce(event, board);
  const store = useWorkflowStore.getState();
  if (event.type === 'workflow.step.progress') {
    store.appendProgress(event.data.execution_id, event.data.step_id, event.data.progress);
  }
  if (board) {
    const templates = client.getQueryData(queries.templates(projectId).queryKey);
    const phasesOf = (id: string) => templates?.data.find((t: WorkflowDefinition) => t.id === id)?.phases;
    const patched = patchBoard(board, event, phasesOf);
    if (patched) client.setQueryData(boardKey, patched);
    // A run the board has not seen (created in another tab, or by the command line): fetch the board once.
    else void client.invalidateQueries({ queryKey: boardKey });
  }
  if (event.type !== 'workflow.step.progress') {
    refreshRun(client, event.data.execution_id, pending);
    if (event.type === 'workflow.execution.status_changed') {
      void client.invalidateQueries({ queryKey: ['workflow-executions', projectId, { view: 'finished' }] });
    }
  }
}

export function useWorkflowWebSocket(projectId: string | null): void {
  const client = useQueryClient();
  useEffect(() => {
    if (!projectId) return;
    const setConnection = useWorkflowStore.getState().setConnection;
    const pending = new Set<string>();
    let socket: WebSocket | null = null;
    let lastEventId: number | undefined;
    let bootId: string | undefined;
    let attempt = 0;
    let stopped = false;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let pingTimer: ReturnType<typeof setInterval> | undefined;

    const connect = () => {
      setConnection(attempt === 0 ? 'connecting' : 'reconnecting');
      const ws = new WebSocket(socketUrl());
      socket = ws;
      ws.onopen = () => {
        ws.send(
          JSON.stringify({ type: 'subscribe', project_id: projectId, last_event_id: lastEventId, boot_id: bootId }),
        );
        pingTimer = setInterval(() => ws.send(JSON.stringify({ type: 'ping' })), PING_MS);
      };
      ws.onmessage = (message) => {
        const parsed = ServerMessage.safeParse(JSON.parse(String(message.data)));
        if (!parsed.success) return;
        const data = parsed.data;
        if (data.type === 'subscribed') {
          const wasReconnect = attempt > 0;
          attempt = 0;
          // Another boot means our ids mean nothing there: what we hold may be stale.
          if (bootId && data.boot_id !== bootId) void client.invalidateQueries();
          else if (wasReconnect && lastEventId === undefined) void client.invalidateQueries();
          bootId = data.boot_id;
          lastEventId ??= data.last_event_id;
          setConnection('live');
        } else if (data.type === 'resync') {
          lastEventId = undefined;
          void client.invalidateQueries();
        } else if ('id' in data) {
          lastEventId = data.id;
          applyEvent(client, projectId, data, pending);
        }
      };
      ws.onclose = () => {
        clearInterval(pingTimer);
        if (stopped) return;
        setConnection('reconnecting');
        const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
        attempt++;
        retryTimer = setTimeout(connect, delay * (0.8 + Math.random() * 0.4));
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      socket?.close();
    };
  }, [client, projectId]);
}
