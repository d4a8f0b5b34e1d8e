/**
 * `ui.*`: the board in Debian's Chromium against a real server over PGlite holding 1,000 active runs.
 * - `ui.board_first_paint_ms`: from navigation to the first card in the DOM, a fresh page each time (median of 5).
 * - `ui.event_to_dom_ms`: from a comment's POST, sent by the page, to the card's comment badge changing — the
 *   server writes the comment, publishes `workflow.comment.created`, the socket delivers it and the board patches
 *   one card. It includes the request's own round trip, so it is an upper bound of event → DOM.
 * Runs are seeded with one statement per table; running ones carry a live lease of a worker that does not exist, so
 * the server's own workers leave them alone and nothing changes while the board is measured.
 */
import { sql } from 'drizzle-orm';
import { launchChromium, startBoardServer } from '../apps/web/e2e/harness.ts';
import { buildClient } from '../apps/web/scripts/buildClient.ts';
import { distribution } from './stats.ts';
import type { Distribution } from './stats.ts';

const RUNS = 1_000;
const PAINTS = 5;
const EVENTS = 30;
const STATUS_CYCLE = ['running', 'running', 'waiting', 'paused', 'failed'];

async function seed(server: Awaited<ReturnType<typeof startBoardServer>>): Promise<void> {
  const { db } = server.server.database;
  const definitionId = await server.definitionId('paced');
  const statuses = sql.raw(`array[${STATUS_CYCLE.map((s) => `'${s}'`).join(',')}]`);
  const phases = sql.raw(`array['fetch','build','verify']`);
  await db.execute(sql`
    insert into workflow_runs (project_id, workflow_definition_id, name, args, status, current_phase, waiting_gate,
      lease_owner, lease_expires_at, started_at, created_at, updated_at)
    select ${server.projectId}::uuid, ${definitionId}::uuid, 'Bench run #' || i, jsonb_build_object('ticks', i),
      (${statuses})[1 + i % ${sql.raw(String(STATUS_CYCLE.length))}], (${phases})[1 + i % 3], null,
      case when i % ${sql.raw(String(STATUS_CYCLE.length))} < 2 then 'bench-worker' end,
      case when i % ${sql.raw(String(STATUS_CYCLE.length))} < 2 then now() + interval '1 day' end,
      now() - make_interval(secs => i), now() - make_interval(secs => i), now() - make_interval(secs => i)
    from generate_series(1, ${sql.raw(String(RUNS))}) as i`);
  await db.execute(sql`
    insert into workflow_run_steps (workflow_run_id, step_id, step_index, name, phase, type, status, started_at,
      finished_at, output)
    select r.id, 'fetch', 0, 'Fetch sources', 'fetch', 'script', 'completed', r.created_at, r.created_at,
      jsonb_build_object('status', 'completed', 'data', jsonb_build_object('stdout', 'fetched ' || r.name),
        'attempts', 1, 'startedAt', r.created_at, 'finishedAt', r.created_at)
    from workflow_runs r where r.project_id = ${server.projectId}::uuid`);
}

export async function benchUi(log: (line: string) => void): Promise<Record<string, Distribution>> {
  await buildClient({ log });
  const server = await startBoardServer();
  const browser = await launchChromium();
  try {
    log(`ui: seeding ${RUNS} active runs`);
    await seed(server);
    const url = `${server.url}/projects/${server.projectId}/workflows`;
    const paints: number[] = [];
    for (let i = 0; i < PAINTS + 1; i++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'commit' });
      await page.waitForSelector('[data-testid=run-card]');
      const painted = (await page.evaluate('performance.now()')) as number;
      // The first page load warms the server's caches and Chromium's; it is not counted.
      if (i > 0) paints.push(painted);
      await context.close();
    }
    log('ui: event → DOM');
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${url}?status=failed`);
    await page.waitForSelector('[data-testid=connection][data-state=live]');
    const runId = (await page.locator('[data-testid=run-card]').first().getAttribute('data-run-id'))!;
    const latencies: number[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const ms = (await page.evaluate(`(async () => {
        const card = document.querySelector('[data-testid=run-card][data-run-id="${runId}"]');
        const count = () => card.querySelector('[aria-label$=" comments"]')?.getAttribute('aria-label') ?? '';
        const before = count();
        const started = performance.now();
        const changed = new Promise((resolve) => {
          const observer = new MutationObserver(() => {
            if (count() !== before) { observer.disconnect(); resolve(performance.now() - started); }
          });
          observer.observe(card, { subtree: true, childList: true, attributes: true, characterData: true });
        });
        await fetch('/api/workflow-executions/${runId}/comments', {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'bench ${i}' }),
        });
        return changed;
      })()`)) as number;
      latencies.push(ms);
    }
    await context.close();
    return { 'ui.board_first_paint_ms': distribution(paints), 'ui.event_to_dom_ms': distribution(latencies) };
  } finally {
    await browser.close();
    await server.close();
  }
}
