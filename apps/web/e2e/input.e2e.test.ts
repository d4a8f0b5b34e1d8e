/**
 * An input step answered from the board, end to end: a run waiting at `type: input` is listed in the Waiting-on-you
 * lane with a form generated from the step's fields; a missing required field comes back from the server as an
 * error at its field; the answer sent, the run goes on with it and leaves the lane. Screenshots, light and dark, of
 * the form with its error go to e2e/screenshots.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { buildClient } from '../scripts/buildClient.ts';
import { launchChromium, openPage, SCREENSHOTS, startBoardServer } from './harness.ts';
import type { BoardServer, WatchedPage } from './harness.ts';

const RELEASE = `
name: Release with input
phases: [review, ship]
steps:
  - id: decide
    phase: review
    type: input
    prompt: Which version goes out, and on which channel?
    fields:
      version: { type: string, required: true, description: The tag to release }
      approve: { type: boolean, description: Tick to release }
      channel: { type: string, enum: [stable, beta], default: beta }
  - id: ship
    phase: ship
    command: ['echo', 'shipping {{ steps.decide.output.version }} to {{ steps.decide.output.channel }}']
`;

let server: BoardServer;
let browser: Browser;
const tabs: WatchedPage[] = [];

beforeAll(async () => {
  await buildClient();
  [server, browser] = await Promise.all([startBoardServer(), launchChromium()]);
  await writeFile(join(server.projectDir, '.agent', 'workflows', 'definitions', 'release-input.yaml'), RELEASE);
  // The server watches its templates folder: the new template is listed once it has synced it.
  const deadline = Date.now() + 20_000;
  while (!(await server.definitionId('release-input').catch(() => null))) {
    if (Date.now() > deadline) throw new Error('the server did not list release-input.yaml in 20 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 300_000);

afterEach(() => {
  for (const tab of tabs) tab.assertClean();
});

afterAll(async () => {
  for (const tab of tabs) await tab.close();
  await browser?.close();
  await server?.close();
}, 60_000);

describe('an input step on the board', { timeout: 90_000 }, () => {
  it('is answered from the form in the Waiting-on-you lane, with server errors at their fields', async () => {
    const runId = await server.startRun('release-input');
    await server.waitForRun(runId, (r) => r.status === 'waiting');
    const board = `${server.url}/projects/${server.projectId}/workflows`;

    for (const theme of ['light', 'dark'] as const) {
      const tab = await openPage(browser, { theme });
      tabs.push(tab);
      const { page } = tab;
      page.setDefaultTimeout(20_000);
      // The one refusal below is the server's answer to the missing field, reported by the browser as a 400.
      tab.expectConsoleError(/400/);
      await page.goto(board);
      const item = page.locator(`[data-testid=waiting-lane] [data-run-id="${runId}"]`);
      const form = item.locator('[data-testid=input-form]');
      await form.waitFor();
      expect(await item.locator('.waiting-why').textContent()).toContain('Release with input asks you');
      expect(await item.locator('.badge').textContent()).toContain('Needs input');
      expect(await form.locator('.input-prompt').textContent()).toBe('Which version goes out, and on which channel?');
      // The fields in the order the template declares them, with the default filled in.
      expect(
        await form.locator('[data-field]').evaluateAll((els) => els.map((el) => el.getAttribute('data-field'))),
      ).toEqual(['values.version', 'values.approve', 'values.channel']);
      expect(await form.getByLabel(/Channel/).inputValue()).toBe('beta');

      await form.getByRole('button', { name: 'Send answer' }).click();
      const error = form.locator('[data-field="values.version"] .field-error');
      await expect.poll(() => error.textContent()).toBe('is required');
      await page.screenshot({ path: join(SCREENSHOTS, `input-${theme}-1440.png`) });
    }

    const { page } = tabs[0]!;
    const form = page.locator(`[data-run-id="${runId}"] [data-testid=input-form]`);
    await form.getByLabel(/Version/).fill('v1.4.0');
    await form.getByLabel(/Approve/).check();
    await form.getByLabel(/Channel/).selectOption('stable');
    await form.getByRole('button', { name: 'Send answer' }).click();

    const run = await server.waitForRun(runId, (r) => r.status === 'completed' || r.status === 'failed');
    expect(run.status).toBe('completed');
    const detail = await server.api<{ steps: { step_id: string; output: { data: unknown } | null }[] }>(
      'GET',
      `/api/workflow-executions/${runId}`,
    );
    expect(detail.body.steps.find((s) => s.step_id === 'decide')?.output?.data).toEqual({
      version: 'v1.4.0',
      approve: true,
      channel: 'stable',
    });
    await expect.poll(() => page.locator(`[data-testid=waiting-lane] [data-run-id="${runId}"]`).count()).toBe(0);
  });
});
