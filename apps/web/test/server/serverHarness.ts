/**
 * A real server for a test: a temporary project holding the example templates and this folder's test templates,
 * `startServer` on port 0 over a database of the given kind, and small helpers to call its API.
 */
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAgentRunner } from '@switchyard/agent-cli-sdk';
import { fakeClaudePath } from '@switchyard/agent-cli-sdk/testing';
import { startServer } from '../../src/server/serve.ts';
import type { RunningServer } from '../../src/server/serve.ts';
import type { DatabaseKind } from './databases.ts';

const REPO_DEFINITIONS = fileURLToPath(new URL('../../../../.agent/workflows/definitions', import.meta.url));
const TEST_TEMPLATES = fileURLToPath(new URL('./templates', import.meta.url));

export interface TestServer {
  server: RunningServer;
  url: string;
  projectDir: string;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  definitionId(identifier: string): Promise<string>;
  waitForRun(runId: string, until: (run: RunJson) => boolean, timeoutMs?: number): Promise<RunJson>;
  close(): Promise<void>;
}

export interface RunJson {
  id: string;
  status: string;
  current_phase: string | null;
  waiting_gate: string | null;
  error: string | null;
  steps: { id: string; step_id: string; status: string; phase: string; attempt: number }[];
  [key: string]: unknown;
}

export async function makeProject(): Promise<string> {
  const projectDir = await mkdtemp(join(tmpdir(), 'switchyard-server-'));
  const definitions = join(projectDir, '.agent', 'workflows', 'definitions');
  await mkdir(definitions, { recursive: true });
  await cp(REPO_DEFINITIONS, definitions, { recursive: true });
  await cp(TEST_TEMPLATES, definitions, { recursive: true });
  return projectDir;
}

export async function startTestServer(kind: DatabaseKind): Promise<TestServer> {
  const projectDir = await makeProject();
  const database = await kind.open();
  const server = await startServer({
    projectDir,
    port: 0,
    database,
    // Agent steps are played by the fake Claude Code CLI, a real executable that prints a recorded stream.
    runtime: {
      agents: createAgentRunner({ paths: { claude: fakeClaudePath } }),
      leaseTtlMs: 5_000,
      controlPollMs: 50,
      retryBaseDelayMs: 50,
    },
  });
  return serverClient(server.url, projectDir, {
    server,
    close: async () => {
      await server.close();
      if (database.kind === 'postgres') await database.drop();
      await rm(projectDir, { recursive: true, force: true });
    },
  });
}

/** API helpers over a server at `url`, started here or in another process. */
export function serverClient(
  url: string,
  projectDir: string,
  extra: { server?: RunningServer; close?: () => Promise<void> } = {},
): TestServer {
  async function api<T>(method: string, path: string, body?: unknown) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  return {
    server: extra.server!,
    url,
    projectDir,
    api,
    async definitionId(identifier) {
      const { body } = await api<{ data: { id: string; identifier: string }[] }>('GET', '/api/workflow-definitions');
      const found = body.data.find((d) => d.identifier === identifier);
      if (!found) throw new Error(`no template ${identifier} on the server`);
      return found.id;
    },
    async waitForRun(runId, until, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: RunJson | undefined;
      while (Date.now() < deadline) {
        last = (await api<RunJson>('GET', `/api/workflow-executions/${runId}`)).body;
        if (until(last)) return last;
        await sleep(50);
      }
      throw new Error(
        `run ${runId} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
      );
    },
    close: extra.close ?? (async () => undefined),
  };
}
