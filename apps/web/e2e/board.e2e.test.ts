/**
 * The board end to end, as a person uses it: Debian's Chromium against a real server with a fresh embedded
 * database. Runs are started from the Templates page or the API and watched through the UI; no test sleeps — each
 * waits for what a person would see. Any console error or page error fails the test that caused it.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { buildClient } from '../scripts/buildClient.ts';
import { launchChromium, openPage, SCREENSHOTS, startBoardServer } from './harness.ts';
import type { BoardServer, WatchedPage } from './harness.ts';

// A 2×2 PNG, red and blue: enough for the browser to decode and preview.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

let server: BoardServer;
let browser: Browser;
let tab: WatchedPage;
let page: Page;

const card = (runId: string) => page.locator(`[data-testid=run-card][data-run-id="${runId}"]`).first();
const cardIn = (phase: string, runId: string) =>
  page.locator(`[data-testid=board-column][data-phase="${phase}"] [data-testid=run-card][data-run-id="${runId}"]`);
const boardUrl = () => `${server.url}/projects/${server.projectId}/workflows`;

async function dragTo(source: Locator, target: Locator) {
  // Toasts float over the right-hand columns; a person would close them before dragging under them.
  // All at once, in the page: they also dismiss themselves, so clicking one by one would race them.
  await page.evaluate(
    `document.querySelectorAll('.toast button[aria-label="Dismiss"]').forEach((button) => button.click())`,
  );
  await page.locator('.toast').first().waitFor({ state: 'detached' });
  await source.scrollIntoViewIfNeeded();
  const from = (await source.boundingBox())!;
  const to = (await target.boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + 20);
  await page.mouse.down();
  // Past the pointer sensor's activation distance first, then across in steps so dnd-kit sees the path.
  await page.mouse.move(from.x + from.width / 2 + 12, from.y + 24, { steps: 3 });
  await page.mouse.move(to.x + to.width / 2, to.y + 60, { steps: 12 });
  await page.mouse.up();
}

async function openBoard() {
  if (!page.url().startsWith(boardUrl()) || page.url().includes('?')) await page.goto(boardUrl());
  await page.locator('[data-testid=connection][data-state=live]').waitFor();
}

async function closeDetail() {
  if (await page.locator('[data-testid=run-detail]').isVisible()) {
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=run-detail]').waitFor({ state: 'detached' });
  }
}

beforeAll(async () => {
  await buildClient();
  [server, browser] = await Promise.all([startBoardServer(), launchChromium()]);
  tab = await openPage(browser);
  page = tab.page;
  page.setDefaultTimeout(20_000);
  // On a machine without Chromium, apt installs it first (ensureChromium): minutes, once.
}, 300_000);

afterEach(async (context) => {
  // A failed test leaves a picture of what the page showed, beside the other screenshots.
  if (context.task.result?.state === 'fail') {
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({
      path: join(SCREENSHOTS, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}.png`),
    });
  }
  tab.assertClean();
});

afterAll(async () => {
  await tab?.close();
  await browser?.close();
  // Runs still executing are cancelled first, so the server closes with no step in flight.
  if (server) {
    const { body } = await server.api<{ data: { id: string; status: string }[] }>(
      'GET',
      '/api/workflow-executions?status=running,pending&limit=100',
    );
    for (const run of body.data) await server.api('POST', `/api/workflow-executions/${run.id}/cancel`);
    for (const run of body.data) await server.waitForRun(run.id, (r) => r.status === 'cancelled');
    await server.close();
  }
}, 60_000);

// Each test waits for what a person would see; on two busy cores a step of the server can take seconds.
describe('the board', { timeout: 60_000 }, () => {
  it('opens the workflows tab of the server’s project from /', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL(`**/projects/${server.projectId}/workflows`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Workflows');
    await page.getByText('No runs yet').waitFor();
    await page.locator('[data-testid=connection][data-state=live]').waitFor();
  });

  it('runs a template from Templates with args, showing the server’s validation error at its field', async () => {
    await page.getByRole('tab', { name: /Templates/ }).click();
    // An invalid template is listed with where and why, and cannot be run.
    const broken = page.locator('[data-template=broken]');
    await expect(broken.locator('.template-error').textContent()).resolves.toMatch(/broken\.yaml:\d+:\d+ .*comand/);
    expect(await broken.getByRole('button', { name: 'Run' }).isDisabled()).toBe(true);
    await page.locator('[data-template=configured] >> role=button[name="Run"]').click();
    const form = page.locator('[data-testid=run-form]');
    await form.waitFor();
    // The browser logs the 400 it receives; the form shows it at the field.
    tab.expectConsoleError(/status of 400/);
    await form.getByRole('button', { name: 'Start run' }).click();
    const error = form.locator('[data-field="args.service"] .field-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/required|expected string/i);

    await form.getByLabel(/^Service/).fill('billing-api');
    await form.getByLabel(/^Replicas/).fill('3');
    await form.getByLabel(/^Canary/).check();
    await form.getByLabel(/^Region/).selectOption('us-east');
    await form.getByLabel(/^Tags/).fill('blue\ngreen');
    await form.getByLabel(/^Memory mb/).fill('1024');
    await form.getByRole('button', { name: 'Start run' }).click();
    await page.locator('[data-testid=run-detail]').waitFor();
    const runId = new URL(page.url()).searchParams.get('run')!;
    const run = await server.waitForRun(runId, (r) => r.status === 'completed');
    expect((run as unknown as { args: unknown }).args).toEqual({
      service: 'billing-api',
      replicas: 3,
      canary: true,
      region: 'us-east',
      tags: ['blue', 'green'],
      limits: { cpu: '500m', memory_mb: 1024 },
    });
    await page.locator('[data-testid=run-detail] .badge[data-status=completed]').first().waitFor();
    await closeDetail();
  });

  it('moves a card across the phase columns live', async () => {
    await openBoard();
    const runId = await server.startRun('paced', { ticks: 6, tick_ms: 120 }, 'Watch me move');
    await cardIn('fetch', runId).waitFor();
    await cardIn('build', runId).waitFor();
    await cardIn('__done__', runId).waitFor();
    await card(runId).locator('.badge[data-status=completed]').waitFor();
    await page.getByText('Watch me move completed').waitFor();
  });

  it('opens a running card and shows its steps and live logs, with ANSI colours', async () => {
    await openBoard();
    const runId = await server.startRun('paced', { ticks: 400, tick_ms: 60 }, 'Live logs');
    await card(runId).waitFor();
    await card(runId).click();
    const detail = page.locator('[data-testid=run-detail]');
    await detail.locator('[data-testid=timeline-step][data-step-id=fetch][data-status=running]').waitFor();
    const log = detail.locator('[data-testid=log-body]');
    await log.getByText('line 3', { exact: false }).first().waitFor();
    await log.getByText('line 12', { exact: false }).first().waitFor();
    expect(await log.locator('.ansi-fg-6').count()).toBeGreaterThan(0);
    await detail.locator('[data-testid=follow-state]').getByText('Following live output').waitFor();
    // The card's activity line follows the step too.
    expect(page.url()).toContain(`run=${runId}`);
  });

  it('uploads an image artifact, previews it, comments and attaches the image to the comment', async () => {
    const detail = page.locator('[data-testid=run-detail]');
    await detail.getByRole('tab', { name: /Artifacts/ }).click();
    await detail.locator('[data-testid=artifact-input]').setInputFiles({
      name: 'screenshot.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    const image = detail.locator('[data-testid=artifact] img[alt="screenshot.png"]');
    await image.waitFor();
    await expect.poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(2);

    await detail.getByRole('tab', { name: /Comments/ }).click();
    await detail.getByLabel('Comment', { exact: true }).fill('Looks **good** to me');
    await detail.getByRole('button', { name: 'Comment', exact: true }).click();
    const comment = detail.locator('[data-testid=comment]').filter({ hasText: 'Looks good to me' });
    await comment.waitFor();
    expect(await comment.locator('strong', { hasText: 'good' }).count()).toBe(1);
    await comment.getByRole('button', { name: 'Attach an artifact' }).click();
    await comment.getByLabel('Attach an artifact').selectOption({ label: 'screenshot.png' });
    await comment.locator('[data-testid=comment-artifact] img').waitFor();
  });

  it('pauses a running run now, then resumes it to completion', async () => {
    const detail = page.locator('[data-testid=run-detail]');
    const runId = new URL(page.url()).searchParams.get('run')!;
    await detail.getByRole('button', { name: /^Actions for/ }).click();
    await page.getByRole('menuitem', { name: 'Pause now' }).click();
    await detail.locator('.drawer-head .badge[data-status=paused]').waitFor();
    await server.waitForRun(runId, (r) => r.status === 'paused');
    await detail.getByRole('button', { name: 'Resume' }).click();
    await detail.locator('.drawer-head .badge[data-status=running]').waitFor();
    await closeDetail();
    await server.api('POST', `/api/workflow-executions/${runId}/cancel`);
    await server.waitForRun(runId, (r) => r.status === 'cancelled');
  });

  it('cancels a run after a confirmation', async () => {
    await openBoard();
    const runId = await server.startRun('endless', {}, 'Endless job');
    await card(runId).locator('.badge[data-status=running]').waitFor();
    await card(runId).getByRole('button', { name: 'Actions for Endless job' }).click();
    await page.getByRole('menuitem', { name: 'Cancel run…' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel run' }).click();
    await cardIn('__done__', runId).locator('.badge[data-status=cancelled]').waitFor();
  });

  it('refuses a drop that skips a phase, and approves a gate by dragging into it', async () => {
    await openBoard();
    const runId = await server.startRun('staged', { version: '2.0.0' }, 'Drag release');
    await cardIn('prepare', runId).locator('.badge[data-status=waiting]').waitFor();
    const lane = page.locator('[data-testid=lane]', { has: cardIn('prepare', runId) });
    await dragTo(card(runId), lane.locator('[data-testid=board-column][data-phase=ship]'));
    await page.locator('[data-testid=drop-refusal]').getByText('cannot skip phases').waitFor();
    await cardIn('prepare', runId).waitFor();

    await dragTo(card(runId), lane.locator('[data-testid=board-column][data-phase=review]'));
    await cardIn('__done__', runId).locator('.badge[data-status=completed]').waitFor();
  });

  it('approves a gate by keyboard: Space, arrow, Space', async () => {
    await openBoard();
    const runId = await server.startRun('staged', { version: '2.1.0' }, 'Keyboard release');
    await cardIn('prepare', runId).locator('.badge[data-status=waiting]').waitFor();
    await card(runId).focus();
    await page.keyboard.press('Space');
    // Picked up: dnd-kit marks the card pressed, and listens for arrows from its next task on.
    await page.locator(`[data-testid=board-column] [data-run-id="${runId}"][aria-pressed=true]`).waitFor();
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))');
    await page.keyboard.press('ArrowRight');
    await page.getByText(/Keyboard release is over the Review column/).waitFor({ state: 'attached' });
    await page.keyboard.press('Space');
    await cardIn('__done__', runId).locator('.badge[data-status=completed]').waitFor();
  });

  it('re-runs from a phase by dragging a card back, after previewing what it supersedes', async () => {
    await openBoard();
    const runId = await server.startRun('staged', { version: '3.0.0' }, 'Rerun release');
    await server.waitForRun(runId, (r) => r.status === 'waiting');
    await server.api('POST', `/api/workflow-executions/${runId}/advance`);
    await cardIn('__done__', runId).locator('.badge[data-status=completed]').waitFor();
    const lane = page.locator('[data-testid=lane]', { has: card(runId) });
    await dragTo(card(runId), lane.locator('[data-testid=board-column][data-phase=prepare]'));
    const preview = page.locator('[data-testid=rerun-preview]');
    await preview.getByText('Prepare the release').waitFor();
    await preview.getByText('Ship it').waitFor();
    await page
      .getByRole('alertdialog')
      .getByRole('button', { name: /Re-run from/ })
      .click();
    await cardIn('prepare', runId).locator('.badge[data-status=waiting]').waitFor();
    const history = await server.api<{ steps: { step_id: string; invalidated_at: string | null }[] }>(
      'GET',
      `/api/workflow-executions/${runId}/history`,
    );
    expect(
      history.body.steps
        .filter((s) => s.invalidated_at !== null)
        .map((s) => s.step_id)
        .sort(),
    ).toEqual(['prepare', 'ship']);
    await card(runId).click();
    await page.locator('[data-testid=timeline-step].is-superseded').first().waitFor();
    await closeDetail();
  });

  it('lists runs that wait on a person in the Waiting-on-you lane, counts them in the title, approves by key', async () => {
    await openBoard();
    const runId = await server.startRun('staged', { version: '4.0.0' }, 'Waiting release');
    const lane = page.locator('[data-testid=waiting-lane]');
    await lane.locator(`[data-run-id="${runId}"]`).waitFor();
    const waiting = await lane.locator('[data-run-id]').count();
    await expect.poll(() => page.title()).toBe(`(${waiting}) Switchyard`);
    const first = await lane.locator('[data-run-id]').first().getAttribute('data-run-id');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('a');
    await expect.poll(() => lane.locator(`[data-run-id="${first}"]`).count()).toBe(0);
    await server.waitForRun(first!, (r) => r.status === 'completed');
  });

  it('finds finished runs by a search the server answers', async () => {
    const found = await server.startRun('paced', { ticks: 1, tick_ms: 1 }, 'Nightly 7f3a report');
    const other = await server.startRun('paced', { ticks: 2, tick_ms: 1 }, 'Weekly digest');
    await server.waitForRun(found, (r) => r.status === 'completed');
    await server.waitForRun(other, (r) => r.status === 'completed');
    await page.goto(`${boardUrl()}?view=completed`);
    const table = page.locator('[data-testid=completed-table]');
    await table.waitFor();
    await page.getByRole('searchbox', { name: 'Search finished runs' }).fill('7F3A');
    await table.locator(`tr[data-run-id="${found}"]`).waitFor();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Search finished runs' }).fill('WEEKLY');
    await table.locator(`tr[data-run-id="${other}"]`).waitFor();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
  });

  it('saves screenshots of every page and tab, light and dark, at 1440 and 390 wide', async () => {
    const runId = await server.startRun('fix-bug', { issue: 'Crash on empty input', reproduce: 'exit 1' }, 'Fix crash');
    await server.waitForRun(runId, (r) => r.status === 'waiting');
    await mkdir(SCREENSHOTS, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      for (const width of [1440, 390]) {
        const shot = await openPage(browser, { width, height: width > 500 ? 900 : 844, theme });
        const p = shot.page;
        // Animations finished, so a drawer that slides in is shot where it stops, not half-faded over the board.
        const save = (name: string) =>
          p.screenshot({ path: join(SCREENSHOTS, `${name}-${theme}-${width}.png`), animations: 'disabled' });
        const base = boardUrl();
        await p.goto(base);
        await p.locator('[data-testid=run-card]').first().waitFor();
        await save('board');
        await p.goto(`${base}?view=templates`);
        await p.locator('[data-testid=template-card]').first().waitFor();
        await save('templates');
        await p.locator('[data-template=configured] >> role=button[name="Run"]').click();
        await p.locator('[data-testid=run-form]').waitFor();
        await save('run-form');
        await p.goto(`${base}?view=completed`);
        await p.locator('[data-testid=completed-table]').waitFor();
        await save('completed');
        for (const detailTab of ['logs', 'artifacts', 'comments', 'details']) {
          await p.goto(`${base}?run=${runId}&tab=${detailTab}`);
          await p.locator('[data-testid=timeline-step]').first().waitFor();
          await save(`detail-${detailTab}`);
        }
        shot.assertClean();
        await shot.close();
      }
    }
  }, 120_000);
});
