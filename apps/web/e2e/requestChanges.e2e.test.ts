/**
 * Requesting changes at a gate from the board, end to end: a run whose agent drafted something waits at its Review
 * gate in the Waiting-on-you lane; Request changes opens a dialog that says which steps run again, and sending it
 * re-runs the draft phase — the agent step continuing its session with the comment (the fake Claude CLI logs its
 * argv) — until the run waits at the gate again, the comment kept as a run comment.
 */
import { join } from 'node:path';
import { readFakeAgentLog } from '@switchyard/agent-cli-sdk/testing';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useBoardPage } from './harness.ts';
import type { BoardServer } from './harness.ts';

let server: BoardServer;
let page: Page;
let argvLog: string;

useBoardPage({
  // The fake CLI's argv log reaches agent steps by name, as an operator's variables would.
  prepare: (server) => {
    argvLog = join(server.projectDir, 'agent-argv.jsonl');
    process.env.FAKE_AGENT_ARGV_LOG = argvLog;
    process.env.SWITCHYARD_STEP_ENV = 'FAKE_AGENT_*';
  },
  ready: (session) => ({ server, page } = session),
  cleanup: () => {
    delete process.env.FAKE_AGENT_ARGV_LOG;
    delete process.env.SWITCHYARD_STEP_ENV;
  },
});

describe('requesting changes at a gate from the board', { timeout: 90_000 }, () => {
  it('re-runs the phase before the gate with the comment, the agent continuing its session', async () => {
    const runId = await server.startRun('reviewed', {}, 'Notes for 2.4');
    const waiting = await server.waitForRun(runId, (r) => r.status === 'waiting');
    const write = waiting.steps.find((s) => s.step_id === 'write')!;
    const session = (await server.api<{ cli_session_id: string }>('GET', `/api/workflow-steps/${write.id}`)).body
      .cli_session_id;

    await page.goto(`${server.url}/projects/${server.projectId}/workflows`);
    await page.locator('[data-testid=connection][data-state=live]').waitFor();
    const item = page.locator(`[data-testid=waiting-lane] [data-run-id="${runId}"]`);
    await item.getByRole('button', { name: 'Approve' }).waitFor();
    await item.getByRole('button', { name: 'Request changes' }).click();

    const dialog = page.getByRole('dialog', { name: 'Request changes to Notes for 2.4' });
    await dialog.getByText('Draft runs again with your comment; the run then waits at Review for you again.').waitFor();
    const steps = dialog.getByRole('list', { name: 'Steps that run again' });
    await steps.getByText('continues its session with your comment').waitFor();
    await steps.getByText('runs again').waitFor();
    const send = dialog.getByRole('button', { name: 'Request changes' });
    expect(await send.isDisabled()).toBe(true);
    await dialog.getByLabel('What to change').fill('Lead with the breaking change to the config file.');
    await send.click();
    await dialog.waitFor({ state: 'detached' });

    const again = await server.waitForRun(
      runId,
      (r) => r.status === 'waiting' && r.steps.some((s) => s.step_id === 'write' && s.id !== write.id),
      30_000,
    );
    expect(again.waiting_gate).toBe('review');
    const calls = readFakeAgentLog(argvLog);
    const last = calls.at(-1)!;
    expect(last.argv[last.argv.indexOf('--resume') + 1]).toBe(session);
    expect(last.argv.at(-1)).toContain('Lead with the breaking change to the config file.');
    // The run is back at the gate in the lane, and the comment is the run's.
    await item.getByRole('button', { name: 'Approve' }).waitFor();
    await item.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('tab', { name: /Comments/ }).click();
    await expect
      .poll(() => page.locator('[data-testid=comment]').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('Lead with the breaking change to the config file.')]));
  });
});
