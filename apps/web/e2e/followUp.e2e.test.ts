/**
 * A follow-up from the run detail, end to end: under a finished agent step's log a message is sent; the step's
 * session continues (the fake Claude CLI), the agent's answer is shown under the form and its events join the
 * step's log, and the exchange is listed in the Comments tab.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useBoardPage } from './harness.ts';
import type { BoardServer } from './harness.ts';

let server: BoardServer;
let page: Page;

useBoardPage({
  ready: (session) => ({ server, page } = session),
});

describe('a follow-up from the run detail', { timeout: 60_000 }, () => {
  it("continues a finished agent step and shows the agent's reply in its log", async () => {
    const runId = await server.startRun('implement-feature', { feature: 'Add a --verbose flag', skipTests: true });
    const run = await server.waitForRun(runId, (r) => r.status === 'completed');
    const research = run.steps.find((s) => s.step_id === 'research-codebase')!;
    const script = run.steps.find((s) => s.step_id === 'list-files')!;

    // A script step takes no follow-up: no form under its log.
    await page.goto(`${server.url}/projects/${server.projectId}/workflows?run=${runId}&tab=logs&step=${script.id}`);
    await page.locator('[data-testid=log-body]').waitFor();
    expect(await page.getByRole('form', { name: 'Follow-up' }).count()).toBe(0);

    await page.goto(`${server.url}/projects/${server.projectId}/workflows?run=${runId}&tab=logs&step=${research.id}`);
    const log = page.locator('[data-testid=log-body]');
    const answers = async () =>
      ((await log.textContent()) ?? '').split('Hello from the fake Anthropic API.').length - 1;
    await expect.poll(answers).toBeGreaterThan(0);
    const before = await answers();
    const form = page.getByRole('form', { name: 'Follow-up' });
    await form.getByLabel('Follow-up message').fill('Which file holds the flags?');
    await form.getByRole('button', { name: 'Send follow-up' }).click();
    await expect
      .poll(() => form.locator('[data-testid=follow-up-answer]').textContent())
      .toBe('Hello from the fake Anthropic API.');
    await expect.poll(() => log.textContent()).toContain('follow-up 1: Which file holds the flags?');
    // The follow-up's answer joins the step's log, after its first one.
    await expect.poll(answers).toBeGreaterThan(before);

    await page.getByRole('tab', { name: /Comments/ }).click();
    const comments = page.locator('[data-testid=comment]');
    await expect
      .poll(() => comments.allTextContents())
      .toEqual(
        expect.arrayContaining([
          expect.stringContaining('Which file holds the flags?'),
          expect.stringContaining('Hello from the fake Anthropic API.'),
        ]),
      );
  });
});
