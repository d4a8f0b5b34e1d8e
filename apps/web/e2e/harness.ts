/**
 * The board's end-to-end harness: a real server on a random port over a fresh embedded database, in a temporary
 * project holding the example templates and this folder's templates (agent steps played by the fake Claude Code
 * CLI), and Debian's Chromium driven by playwright-core. Every page fails its test on a console error or a page
 * error.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createAgentRunner } from '@switchyard/agent-cli-sdk';
import { fakeClaudePath } from '@switchyard/agent-cli-sdk/testing';
import { buildClient } from '../scripts/buildClient.ts';
import { startServer } from '../src/server/serve.ts';
import type { RunningServer } from '../src/server/serve.ts';

export const CHROMIUM = process.env.SWITCHYARD_CHROMIUM ?? '/usr/bin/chromium';
const REPO_DEFINITIONS = fileURLToPath(new URL('../../../.agent/workflows/definitions', import.meta.url));
const E2E_TEMPLATES = fileURLToPath(new URL('./templates', import.meta.url));
export const SCREENSHOTS = fileURLToPath(new URL('./screenshots', import.meta.url));

/** Chromium from Debian: installed with apt when missing and we are root, else a clear failure. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The board's end-to-end tests need Chromium at ${CHROMIUM}. Install it with ` +
        '`sudo apt-get install -y chromium` (or set SWITCHYARD_CHROMIUM to a Chromium binary).',
    );
  }
  // apt's progress goes to stderr: the bench's stdout is its JSON document alone.
  const progressToStderr = ['ignore', 2, 2] as const;
  execFileSync('apt-get', ['update', '-qq'], { stdio: [...progressToStderr] });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: [...progressToStderr],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface BoardServer {
  server: RunningServer;
  url: string;
  projectId: string;
  projectDir: string;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  definitionId(identifier: string): Promise<string>;
  startRun(identifier: string, args?: Record<string, unknown>, name?: string): Promise<string>;
  waitForRun(runId: string, until: (run: RunJson) => boolean, timeoutMs?: number): Promise<RunJson>;
  close(): Promise<void>;
}

export interface RunJson {
  id: string;
  status: string;
  current_phase: string | null;
  waiting_gate: string | null;
  steps: { id: string; step_id: string; status: string }[];
}

export async function startBoardServer(): Promise<BoardServer> {
  const projectDir = await mkdtemp(join(tmpdir(), 'switchyard-e2e-'));
  const definitions = join(projectDir, '.agent', 'workflows', 'definitions');
  await mkdir(definitions, { recursive: true });
  await cp(REPO_DEFINITIONS, definitions, { recursive: true });
  await cp(E2E_TEMPLATES, definitions, { recursive: true });
  const server = await startServer({
    projectDir,
    port: 0,
    runtime: {
      agents: createAgentRunner({ paths: { claude: fakeClaudePath } }),
      leaseTtlMs: 5_000,
      controlPollMs: 50,
      retryBaseDelayMs: 50,
    },
  });
  const url = server.url;
  async function api<T>(method: string, path: string, body?: unknown) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  const definitionId = async (identifier: string) => {
    const { body } = await api<{ data: { id: string; identifier: string }[] }>('GET', '/api/workflow-definitions');
    const found = body.data.find((d) => d.identifier === identifier);
    if (!found) throw new Error(`no template ${identifier}`);
    return found.id;
  };
  return {
    server,
    url,
    projectId: server.projectId,
    projectDir,
    api,
    definitionId,
    async startRun(identifier, args = {}, name) {
      const { status, body } = await api<{ id: string }>('POST', '/api/workflow-executions', {
        workflow_definition_id: await definitionId(identifier),
        args,
        name,
      });
      if (status !== 201) throw new Error(`starting ${identifier} answered ${status}: ${JSON.stringify(body)}`);
      return body.id;
    },
    async waitForRun(runId, until, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: RunJson | undefined;
      while (Date.now() < deadline) {
        last = (await api<RunJson>('GET', `/api/workflow-executions/${runId}`)).body;
        if (until(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`run ${runId} did not reach the expected state; last: ${JSON.stringify(last)}`);
    },
    async close() {
      await server.close();
      await rm(projectDir, { recursive: true, force: true });
    },
  };
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Throws when the page logged a console error or threw (then starts afresh, so one failure is reported once). */
  assertClean(): void;
  /** A console error this test provokes on purpose (a 400 the form shows at its field) is expected, once. */
  expectConsoleError(pattern: RegExp): void;
  close(): Promise<void>;
}

export async function openPage(
  browser: Browser,
  options: { width?: number; height?: number; theme?: 'light' | 'dark' } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
    colorScheme: options.theme ?? 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  let errors: string[] = [];
  let expected: RegExp[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const allowed = expected.findIndex((pattern) => pattern.test(message.text()));
    if (allowed >= 0) expected.splice(allowed, 1);
    else errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return {
    context,
    page,
    assertClean() {
      const reported = errors;
      errors = [];
      expected = [];
      if (reported.length) throw new Error(`the page reported errors:\n${reported.join('\n')}`);
    },
    expectConsoleError(pattern) {
      expected.push(pattern);
    },
    close: () => context.close(),
  };
}

export interface BoardSession {
  server: BoardServer;
  browser: Browser;
  tab: WatchedPage;
  page: Page;
}

export interface BoardSessionOptions {
  /** Runs once the server is up, before the page opens (a repository for the project, variables for its steps). */
  prepare?(server: BoardServer): Promise<unknown> | void;
  /** Hands the test file its server, browser and page, once they are ready. */
  ready(session: BoardSession): void;
  /** Runs after the last test, before the page, the browser and the server close. */
  cleanup?(): void;
}

/**
 * What a browser test file shares: the client built, a server and Chromium started, one watched page (20 s for
 * what a person waits for), every test failing on a console or page error, and everything closed at the end.
 */
export function useBoardPage(options: BoardSessionOptions): void {
  let session: BoardSession | undefined;
  beforeAll(async () => {
    await buildClient();
    const [server, browser] = await Promise.all([startBoardServer(), launchChromium()]);
    await options.prepare?.(server);
    const tab = await openPage(browser);
    tab.page.setDefaultTimeout(20_000);
    session = { server, browser, tab, page: tab.page };
    options.ready(session);
  }, 300_000);
  afterEach(() => session?.tab.assertClean());
  afterAll(async () => {
    options.cleanup?.();
    await session?.tab.close();
    await session?.browser.close();
    await session?.server.close();
  }, 60_000);
}
