/**
 * "Merge into main" and the run form's workspace, end to end: a finished run of a template that edits a file, in a
 * project that is a git repository, is merged from its Details tab, and the main checkout's file changes; a run
 * form given a base that names nothing shows the server's refusal at the base field.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openPage, useBoardPage } from './harness.ts';
import type { BoardServer, WatchedPage } from './harness.ts';
import { commitProject, git } from '../test/gitRepository.ts';

/** Outside the repository: screenshots are for looking at, not for committing. */
const SHOTS = join(tmpdir(), 'switchyard-merge-screens');

let server: BoardServer;
let browser: Browser;
let tab: WatchedPage;
let page: Page;

useBoardPage({
  // A run's workspace is chosen when it starts: a repository made now gives the runs below their worktrees.
  prepare: async (server) => {
    await commitProject(server.projectDir);
    await mkdir(SHOTS, { recursive: true });
  },
  ready: (session) => ({ server, browser, tab, page } = session),
});

describe('merging a run from the board', { timeout: 90_000 }, () => {
  it('merges a finished run into main from its Details tab, and the main checkout’s file changes', async () => {
    const runId = await server.startRun('edits');
    await server.waitForRun(runId, (r) => r.status === 'completed');
    const notes = join(server.projectDir, 'notes.md');
    await expect(readFile(notes, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });

    await page.goto(`${server.url}/projects/${server.projectId}/workflows?run=${runId}&tab=details`);
    const workspace = page.locator('[data-testid=workspace-details]');
    await workspace.locator('[data-testid=merge-action][data-state=ready]').waitFor();
    expect(await workspace.locator('.facts').textContent()).toContain(`switchyard/${runId.slice(0, 8)}-edits`);
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await workspace.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, `merge-ready-${theme}-1440.png`), animations: 'disabled' });
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await workspace.getByRole('button', { name: 'Merge into main' }).click();
    const confirm = page.getByRole('alertdialog');
    expect(await confirm.textContent()).toContain('main moves forward by 2 commits');
    await page.screenshot({ path: join(SHOTS, 'merge-confirm-light-1440.png'), animations: 'disabled' });
    await confirm.getByRole('button', { name: 'Merge into main' }).click();

    await page.getByRole('status').filter({ hasText: 'Merged into main' }).waitFor();
    await workspace.locator('[data-testid=merge-action][data-state=merged]').waitFor();
    expect(await readFile(notes, 'utf8')).toBe('# Notes\nfirst line, revised\nsecond line\nthird line\n');
    expect(git(server.projectDir, 'rev-parse', 'main')).toBe(
      git(server.projectDir, 'rev-parse', `switchyard/${runId.slice(0, 8)}-edits`),
    );
    expect(await workspace.locator('[data-testid=merge-action]').textContent()).toBe(
      `main already has every commit of switchyard/${runId.slice(0, 8)}-edits.`,
    );
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await page.screenshot({ path: join(SHOTS, `merge-done-${theme}-1440.png`), animations: 'disabled' });
    }
    await page.emulateMedia({ colorScheme: 'light' });

    const phone = await openPage(browser, { width: 390, height: 844 });
    try {
      await phone.page.goto(`${server.url}/projects/${server.projectId}/workflows?run=${runId}&tab=details`);
      await phone.page.locator('[data-testid=workspace-details] [data-testid=merge-action]').waitFor();
      await phone.page.locator('[data-testid=workspace-details]').scrollIntoViewIfNeeded();
      await phone.page.screenshot({ path: join(SHOTS, 'merge-done-light-390.png'), animations: 'disabled' });
      phone.assertClean();
    } finally {
      await phone.close();
    }
  });

  it('says why a run whose base moved on cannot be merged, with no button', async () => {
    const runId = await server.startRun('edits');
    await server.waitForRun(runId, (r) => r.status === 'completed');
    await writeFile(join(server.projectDir, 'meanwhile.txt'), 'on main\n');
    git(server.projectDir, 'add', 'meanwhile.txt');
    git(server.projectDir, 'commit', '--quiet', '-m', 'meanwhile');

    await page.goto(`${server.url}/projects/${server.projectId}/workflows?run=${runId}&tab=details`);
    const action = page.locator('[data-testid=workspace-details] [data-testid=merge-action]');
    await page.locator('[data-testid=merge-action][data-state=not_fast_forward]').waitFor();
    // The first test merged its run: this one started from there, and main has one commit more since.
    expect(await action.textContent()).toContain('main has moved on: it has 1 commit that');
    expect(await page.locator('[data-testid=merge-run]').count()).toBe(0);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SHOTS, 'merge-refused-dark-1440.png'), animations: 'disabled' });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows the server’s refusal of a base that names nothing at the run form’s base field', async () => {
    await page.goto(`${server.url}/projects/${server.projectId}/workflows?view=templates`);
    await page.locator('[data-template=edits] >> role=button[name="Run"]').click();
    const form = page.locator('[data-testid=run-form]');
    const base = form.getByLabel(/^Base branch/);
    await expect.poll(() => base.getAttribute('placeholder')).toBe('main');
    await form.getByLabel('Where the run works').selectOption('worktree');
    await base.fill('no-such-branch');
    tab.expectConsoleError(/status of 400/);
    await form.getByRole('button', { name: 'Start run' }).click();

    const error = form.locator('#run-base-err');
    await error.waitFor();
    expect(await error.textContent()).toContain('base "no-such-branch" names no branch or commit');
    expect(await base.getAttribute('aria-invalid')).toBe('true');
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await page.screenshot({ path: join(SHOTS, `run-form-base-${theme}-1440.png`), animations: 'disabled' });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
