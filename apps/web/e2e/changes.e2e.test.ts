/**
 * The Changes tab and "Fork from here", end to end: a run of a template that edits a file, in a project that is a
 * git repository, shows each step's diff in the run detail (highlighted, inline or side by side, foldable); a comment
 * on a diff line shows under that line and in the Comments tab, whose `file:line` link opens the Changes tab there;
 * forking at a step opens a new run linked to its parent, with a card of its own on the board.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SCREENSHOTS, openPage, useBoardPage } from './harness.ts';
import type { BoardServer } from './harness.ts';
import { commitProject } from '../test/gitRepository.ts';

/** How long a poll waits: a fork or a commit on a loaded machine takes longer than vitest's default second. */
const PATIENCE = { timeout: 20_000 };

let server: BoardServer;
let browser: Browser;
let page: Page;

useBoardPage({
  // A run's workspace is chosen when it starts: a repository made now gives the runs below their worktrees.
  prepare: (server) => commitProject(server.projectDir),
  ready: (session) => ({ server, browser, page } = session),
});

describe('the Changes tab', { timeout: 60_000 }, () => {
  it('shows the diff of a step that edited a file, and of the whole run', async () => {
    const runId = await server.startRun('edits');
    const run = await server.waitForRun(runId, (r) => r.status === 'completed');
    const revise = run.steps.find((s) => s.step_id === 'revise-notes')!;

    await page.goto(`${server.url}/projects/${server.projectId}/workflows?run=${runId}&tab=changes&step=${revise.id}`);
    const changes = page.locator('[data-testid=changes]');
    await changes.locator('[data-testid=changed-file]', { hasText: 'notes.md' }).waitFor();
    await expect
      .poll(() => changes.locator('[data-testid=changes-stats]').textContent(), PATIENCE)
      .toBe('1 file changed, +2 −1');
    const diff = changes.locator('[data-testid=diff]');
    expect(await diff.locator('[data-kind=del] .diff-text').allTextContents()).toEqual(['deleted: first line']);
    expect(await diff.locator('[data-kind=add] .diff-text').allTextContents()).toEqual([
      'added: first line, revised',
      'added: third line',
    ]);
    // Additions and deletions are told apart by colour too.
    // Runs in the page, where getComputedStyle exists (this file is typed for Node).
    type Styles = { getComputedStyle(element: unknown): { backgroundColor: string } };
    const colour = (kind: string) =>
      diff
        .locator(`[data-kind=${kind}]`)
        .first()
        .evaluate((row) => (globalThis as unknown as Styles).getComputedStyle(row).backgroundColor);
    expect(await colour('add')).not.toBe(await colour('del'));

    await changes.getByRole('button', { name: 'All changes' }).click();
    await expect
      .poll(() => changes.locator('[data-testid=changes-stats]').textContent(), PATIENCE)
      .toBe('1 file changed, +4 −0');

    await mkdir(SCREENSHOTS, { recursive: true });
    await changes.getByRole('button', { name: 'Step: Revise the notes' }).click();
    await changes.locator('[data-kind=del]').waitFor();
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await page.screenshot({ path: join(SCREENSHOTS, `changes-inline-${theme}-1440.png`), animations: 'disabled' });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows a step side by side, takes a comment on a line and shows it there and in the Comments tab', async () => {
    const runId = await server.startRun('edits');
    const run = await server.waitForRun(runId, (r) => r.status === 'completed');
    const revise = run.steps.find((s) => s.step_id === 'revise-notes')!;
    await page.goto(`${server.url}/projects/${server.projectId}/workflows?run=${runId}&tab=changes&step=${revise.id}`);
    const changes = page.locator('[data-testid=changes]');
    const diff = changes.locator('[data-testid=diff]');
    // Markdown is highlighted once its language has loaded: the heading is a section.
    await diff.locator('.diff-code .hljs-section', { hasText: '# Notes' }).first().waitFor();

    await changes.getByRole('button', { name: 'Side by side' }).click();
    await expect.poll(() => diff.getAttribute('data-mode'), PATIENCE).toBe('split');
    // The deleted line and the line replacing it read across one row, each with its own number.
    const paired = diff.locator('tr', { has: page.locator('[data-line-key="old:2"]') });
    expect(await paired.locator('[data-side=old][data-kind=del]').textContent()).toBe('deleted: first line');
    expect(await paired.locator('[data-side=new][data-kind=add]').textContent()).toBe('added: first line, revised');
    expect(await paired.locator('td.diff-num').allTextContents()).toEqual(['2', '2']);

    // The "+" of a line is reached from the keyboard too.
    const plus = diff.getByRole('button', { name: 'Comment on notes.md:4' });
    await plus.focus();
    await page.keyboard.press('Enter');
    const box = changes.getByRole('textbox', { name: 'Comment on notes.md:4' });
    await box.fill('Is a third line **needed**?');
    await changes.getByRole('button', { name: 'Comment', exact: true }).click();

    const underLine = diff.locator('.diff-thread-row [data-testid=line-comment]');
    await expect.poll(() => underLine.textContent(), PATIENCE).toContain('Is a third line needed?');
    const thread = diff.locator('.diff-thread-row');
    const lineAbove = thread.locator('xpath=preceding-sibling::tr[1]');
    expect(await lineAbove.locator('[data-line-key="new:4"]').textContent()).toBe('added: third line');
    const comments = await server.api<{ data: { text: string; workflow_run_step_id: string; anchor: unknown }[] }>(
      'GET',
      `/api/workflow-executions/${runId}/comments`,
    );
    expect(comments.body.data.filter((c) => c.anchor)).toEqual([
      expect.objectContaining({
        text: 'Is a third line **needed**?',
        workflow_run_step_id: revise.id,
        anchor: { file: 'notes.md', line: 4, side: 'new' },
      }),
    ]);
    // The layout is remembered.
    expect(await page.evaluate("localStorage.getItem('switchyard.diffMode')")).toBe('split');

    await mkdir(SCREENSHOTS, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await page.screenshot({ path: join(SCREENSHOTS, `changes-split-${theme}-1440.png`), animations: 'disabled' });
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('tab', { name: /Comments/ }).click();
    const listed = page.locator('[data-testid=comments-tab] [data-testid=comment]', { hasText: 'Is a third line' });
    expect(await listed.locator('[data-testid=comment-anchor]').textContent()).toBe('notes.md:4');
    await listed.locator('[data-testid=comment-anchor]').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('tab'), PATIENCE).toBe('changes');
    expect(new URL(page.url()).searchParams.get('line')).toBe('new:4:notes.md');
    await expect.poll(() => changes.locator('td.diff-target[data-line-key="new:4"]').count(), PATIENCE).toBe(1);
  });

  it('reads inline on a phone, folds files, and draws both layouts in light and dark', async () => {
    const runId = await server.startRun('edits');
    const run = await server.waitForRun(runId, (r) => r.status === 'completed');
    const revise = run.steps.find((s) => s.step_id === 'revise-notes')!;
    await server.api('POST', `/api/workflow-executions/${runId}/comments`, {
      text: 'Revised wording reads better.',
      workflow_run_step_id: revise.id,
      anchor: { file: 'notes.md', line: 2, side: 'new' },
    });
    const phone = await openPage(browser, { width: 390, height: 844 });
    try {
      const url = `${server.url}/projects/${server.projectId}/workflows?run=${runId}&tab=changes&step=${revise.id}`;
      // Side by side was chosen on a wide screen: a phone still starts inline.
      await phone.page.addInitScript({ content: "localStorage.setItem('switchyard.diffMode', 'split')" });
      await phone.page.goto(url);
      const changes = phone.page.locator('[data-testid=changes]');
      const diff = changes.locator('[data-testid=diff]');
      await diff.locator('[data-testid=line-comment]').waitFor();
      expect(await diff.getAttribute('data-mode')).toBe('inline');

      await changes.getByRole('button', { name: 'Collapse all' }).click();
      await diff.waitFor({ state: 'detached' });
      expect(await changes.getByRole('button', { name: 'Unfold notes.md' }).getAttribute('aria-expanded')).toBe(
        'false',
      );
      await changes.getByRole('button', { name: 'Expand all' }).click();
      await diff.waitFor();

      await mkdir(SCREENSHOTS, { recursive: true });
      for (const layout of ['Inline', 'Side by side'] as const) {
        await changes.getByRole('button', { name: layout }).click();
        for (const theme of ['light', 'dark'] as const) {
          await phone.page.emulateMedia({ colorScheme: theme });
          const name = `changes-${layout === 'Inline' ? 'inline' : 'split'}-${theme}-390.png`;
          await phone.page.screenshot({ path: join(SCREENSHOTS, name), animations: 'disabled' });
        }
      }
      phone.assertClean();
    } finally {
      await phone.close();
    }
  });

  it("sends a comment on an agent step's line to the agent as a follow-up that quotes the line", async () => {
    // The fake agent holds its turn open until this file exists: the test writes the step's edit meanwhile.
    const hold = join(tmpdir(), `switchyard-hold-${randomUUID()}`);
    process.env.FAKE_AGENT_HOLD_FILE = hold;
    // It reaches the agent by name, as an operator's variable would (agents get an allowlisted environment).
    process.env.SWITCHYARD_STEP_ENV = 'FAKE_AGENT_HOLD_FILE';
    try {
      const runId = await server.startRun('drafted');
      await server.waitForRun(runId, (r) => r.steps.some((s) => s.step_id === 'draft' && s.status === 'running'));
      const { body } = await server.api<{ workspace: { path: string } }>('GET', `/api/workflow-executions/${runId}`);
      await writeFile(join(body.workspace.path, 'greet.ts'), 'export const greeting = `hello`;\n');
      await writeFile(hold, '');
      const run = await server.waitForRun(runId, (r) => r.status === 'completed');
      const draft = run.steps.find((s) => s.step_id === 'draft')!;

      await page.goto(`${server.url}/projects/${server.projectId}/workflows?run=${runId}&tab=changes&step=${draft.id}`);
      const changes = page.locator('[data-testid=changes]');
      const diff = changes.locator('[data-testid=diff]');
      await diff.locator('.diff-code .hljs-keyword', { hasText: 'export' }).waitFor();
      await diff.getByRole('button', { name: 'Comment on greet.ts:1' }).click();
      await changes
        .getByRole('textbox', { name: 'Comment on greet.ts:1' })
        .fill('Should the greeting be configurable?');
      await changes.getByRole('checkbox', { name: 'Send to the agent as a follow-up' }).check();
      await changes.getByRole('button', { name: 'Comment', exact: true }).click();

      await diff.locator('[data-testid=line-comment]', { hasText: 'Should the greeting be configurable?' }).waitFor();
      await mkdir(SCREENSHOTS, { recursive: true });
      for (const theme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: theme });
        await page.screenshot({ path: join(SCREENSHOTS, `changes-agent-${theme}-1440.png`), animations: 'disabled' });
      }
      await page.emulateMedia({ colorScheme: 'light' });
      const texts = async () =>
        (
          await server.api<{ data: { text: string; workflow_run_step_id: string | null }[] }>(
            'GET',
            `/api/workflow-executions/${runId}/comments`,
          )
        ).body.data
          .filter((c) => c.workflow_run_step_id === draft.id)
          .map((c) => c.text);
      // The agent was sent where, the line itself and the comment; the exchange is the step's comments.
      await expect
        .poll(texts, PATIENCE)
        .toContain(
          'About greet.ts:1:\n```\nexport const greeting = `hello`;\n```\n\nShould the greeting be configurable?',
        );
      await page.getByText('The agent answered').waitFor();
    } finally {
      delete process.env.FAKE_AGENT_HOLD_FILE;
      delete process.env.SWITCHYARD_STEP_ENV;
      await rm(hold, { force: true });
    }
  });

  it('forks a run from a step into a new card linked to its parent', async () => {
    const parentId = await server.startRun('edits');
    const parent = await server.waitForRun(parentId, (r) => r.status === 'completed');
    const revise = parent.steps.find((s) => s.step_id === 'revise-notes')!;
    await page.goto(
      `${server.url}/projects/${server.projectId}/workflows?run=${parentId}&tab=changes&step=${revise.id}`,
    );

    await page.locator('[data-testid=fork-step]').click();

    await expect.poll(() => new URL(page.url()).searchParams.get('run'), PATIENCE).not.toBe(parentId);
    const forkId = new URL(page.url()).searchParams.get('run')!;
    const detail = page.locator('[data-testid=run-detail]');
    await expect
      .poll(() => detail.locator('[data-testid=parent-run]').textContent(), PATIENCE)
      .toBe(parentId.slice(0, 8));
    const fork = await server.waitForRun(forkId, (r) => r.status === 'completed');
    expect((fork as unknown as { parent_run_id: string }).parent_run_id).toBe(parentId);
    // Only the step forked from ran again; the first came from the parent's journal.
    expect(fork.steps.map((s) => s.step_id)).toEqual(['write-notes', 'revise-notes']);
    expect(fork.steps[0]!.id).not.toBe(parent.steps[0]!.id);

    await page.keyboard.press('Escape');
    await page.locator(`[data-testid=run-card][data-run-id="${forkId}"]`).first().waitFor();
    // Its card counts the lines its commits added and deleted: +3 by the copied first step, +2 −1 by the second.
    const forkCard = page.locator(`[data-testid=run-card][data-run-id="${forkId}"]`).first();
    await expect.poll(() => forkCard.locator('[data-testid=card-changes]').textContent(), PATIENCE).toBe('+5 −1');
    await page.screenshot({ path: join(SCREENSHOTS, 'changes-board-light-1440.png'), animations: 'disabled' });
    await detail.waitFor({ state: 'detached' });
    await page.locator(`[data-testid=run-card][data-run-id="${forkId}"]`).first().click();
    await detail.locator('[data-testid=parent-run]').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('run'), PATIENCE).toBe(parentId);
  });
});
