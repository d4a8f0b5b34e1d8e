/**
 * The API a command line executing a run shares it through (`cli/sharedApi.ts`): announced at once, built at the
 * first connection, then a full REST API and WebSocket that refuses to execute other runs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { shareRuns } from '../src/cli/sharedApi.ts';
import { ensureProject } from '../src/server/domain/project/services/ensureProject.ts';
import { projectLayout } from '../src/server/domain/project/projectLayout.ts';
import { createWorkflowRuntime } from '../src/server/domain/workflow/workflowRuntime.ts';
import { createEventBus } from '../src/server/websocket/memoryEventBus.ts';
import { DATABASE_KINDS } from './server/databases.ts';
import { progressEvent } from './server/sampleEvents.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sharedProject() {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-shared-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const database = await DATABASE_KINDS[0]!.open();
  cleanups.push(() => database.drop());
  const project = await ensureProject({ db: database.db }, dir);
  const runtime = await createWorkflowRuntime({ database, bus: createEventBus() });
  const shared = await shareRuns(database, runtime, project);
  cleanups.push(() => shared.close());
  return { dir, project, runtime, shared };
}

describe('the API a command line shares its run through', () => {
  it('is announced in server.json at once and built only when a connection comes', async () => {
    const { dir, project, shared } = await sharedProject();

    const announced = JSON.parse(await readFile(projectLayout(dir).serverFile, 'utf8')) as Record<string, unknown>;
    expect(announced).toMatchObject({ pid: process.pid, url: shared.url, project_id: project.id });
    expect(shared.built).toBe(false);

    const health = await fetch(`${shared.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'pglite' });
    expect(shared.built).toBe(true);
    const runs = await fetch(`${shared.url}/api/workflow-executions`);
    expect(runs.status).toBe(200);
    expect(((await runs.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it('delivers the bus events to a WebSocket client whose connection built the API', async () => {
    const { project, runtime, shared } = await sharedProject();
    const socket = new WebSocket(`${shared.url.replace('http', 'ws')}/ws`);
    cleanups.push(async () => socket.close());
    const frames: { type: string; data?: { progress?: { text?: string } } }[] = [];
    socket.on('message', (raw) => frames.push(JSON.parse(String(raw)) as (typeof frames)[number]));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'subscribe', project_id: project.id }));
    await until(() => frames.some((f) => f.type === 'subscribed'), 'the subscription');

    runtime.bus.publish(project.id, progressEvent(1, { tag: 'shared' }));
    await until(() => frames.some((f) => f.type === 'workflow.step.progress'), 'the event');
    expect(frames.map((f) => f.type)).toEqual(['subscribed', 'workflow.step.progress']);
    expect(frames[1]!.data?.progress?.text).toBe('shared#1');
  });

  it('refuses to start a run, and on close removes server.json and drops its connections', async () => {
    const { dir, shared } = await sharedProject();
    const started = await fetch(`${shared.url}/api/workflow-executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow_definition_id: '00000000-0000-4000-8000-000000000001', args: {} }),
    });
    expect(started.status).toBe(409);
    expect(((await started.json()) as { error: { code: string } }).error.code).toBe('not_a_server');

    const socket = new WebSocket(`${shared.url.replace('http', 'ws')}/ws`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await shared.close();
    await closed;
    await expect(readFile(projectLayout(dir).serverFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fetch(`${shared.url}/api/health`)).rejects.toThrow();
  });
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
