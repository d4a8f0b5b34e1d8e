/**
 * `ws.fanout_ms`: one event to 100 WebSocket clients of a `switchyard serve --no-workers` on PostgreSQL, by the
 * path a worker's events take: the bench NOTIFYs it on the events channel as a worker process would, the server's
 * LISTEN connection receives it, its bus numbers it and every subscribed socket is sent it. Timed from before the
 * NOTIFY to each client's receipt, in this process; `last_client` is the time until the hundredth had it. The
 * clients' own handling (one event loop for all 100) is part of the figure, so it errs high.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startServerProcess } from '../apps/web/test/switchyardProcesses.ts';
import type WebSocket from 'ws';
import { postgresSkipped, withFreshPostgres } from './freshDatabase.ts';
import { benchProject, noOpTemplate, projectAndTemplate, subscribe, until } from './switchyardServer.ts';
import { distribution } from './stats.ts';

const CLIENTS = 100;
const EVENTS = 200;
const WARMUP_EVENTS = 10;
/** The channel `websocket/crossProcess.ts` LISTENs on. */
const EVENTS_CHANNEL = 'switchyard_events';

export async function benchWebSocketFanout(log: (line: string) => void) {
  const skipped = await postgresSkipped();
  if (skipped) return { 'ws.fanout_ms': skipped };
  const project = await benchProject({ 'three-steps.ts': noOpTemplate(3) });
  try {
    return await withFreshPostgres(async (url) => {
      const server = await startServerProcess(project.dir, { DATABASE_URL: url }, ['--no-workers']);
      const notifier = new pg.Client({ connectionString: url });
      await notifier.connect();
      const sockets: WebSocket[] = [];
      try {
        const { projectId } = await projectAndTemplate(server.url, 'three-steps');
        log(`ws: ${CLIENTS} clients, ${EVENTS} events`);
        // received[n][c]: when client c got event n.
        const received: number[][] = Array.from({ length: EVENTS + WARMUP_EVENTS }, () => []);
        for (let c = 0; c < CLIENTS; c++) {
          sockets.push(
            await subscribe(server.url, projectId, (event) => {
              const n = Number((event.data as { step_id?: string }).step_id);
              received[n]![c] = performance.now();
            }),
          );
        }
        const runId = randomUUID();
        const sentAt: number[] = [];
        for (let n = 0; n < EVENTS + WARMUP_EVENTS; n++) {
          const event = {
            type: 'workflow.step.progress',
            data: {
              execution_id: runId,
              step_id: String(n),
              phase: 'work',
              progress: { kind: 'log', message: `event ${n}` },
            },
          };
          const payload = JSON.stringify({ origin: `bench-${runId}`, events: [{ project_id: projectId, event }] });
          sentAt[n] = performance.now();
          await notifier.query('select pg_notify($1, $2)', [EVENTS_CHANNEL, payload]);
          // One event at a time: the figure is one event's fan-out, not a queue's.
          await until(() => received[n]!.filter(Boolean).length === CLIENTS, `event ${n} at every client`, 30_000);
        }
        const measured = received
          .slice(WARMUP_EVENTS)
          .map((times, i) => times.map((t) => t - sentAt[i + WARMUP_EVENTS]!));
        return {
          'ws.fanout_ms': {
            clients: CLIENTS,
            events: EVENTS,
            path: "NOTIFY → the server's LISTEN connection → its bus → 100 sockets",
            per_client: distribution(measured.flat()),
            last_client: distribution(measured.map((times) => Math.max(...times))),
          },
        };
      } finally {
        for (const socket of sockets) socket.close();
        await notifier.end();
        server.child.kill('SIGTERM');
        await server.exited;
      }
    });
  } finally {
    await project.remove();
  }
}
