/**
 * The server process is killed with SIGKILL in the middle of a run and started again: the run completes, no step
 * that had completed runs again, and a WebSocket client of the new server sees the run's remaining events.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { killProcesses, startServerProcess } from '../processes.ts';
import { PROCESS_DATABASE_KINDS } from './databases.ts';
import { makeProject, serverClient } from './serverHarness.ts';

const LEASE = { SWITCHYARD_LEASE_TTL_MS: '2000' };

describe.each(PROCESS_DATABASE_KINDS)('a server killed mid-run on $name', (kind) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  it('is started again and completes the run without re-running completed steps, and events resume', async () => {
    const projectDir = await makeProject();
    cleanups.push(() => rm(projectDir, { recursive: true, force: true }));
    const database = await kind.database();
    cleanups.push(database.drop);
    cleanups.push(killProcesses);

    const first = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    let api = serverClient(first.url, projectDir);
    const counter = join(projectDir, 'counter.txt');
    const created = await api.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await api.definitionId('counted'),
      args: { counter, pause_seconds: 3 },
    });
    expect(created.status).toBe(201);
    const runId = created.body.id;
    await api.waitForRun(runId, (r) => r.steps.some((s) => s.step_id === 'second' && s.status === 'running'));
    // Killed once the interrupted step has done its visible work, so it is known to have run exactly once before.
    while (!(await readFile(counter, 'utf8')).includes('second')) await new Promise((r) => setTimeout(r, 20));
    const projectId = (await api.api<{ data: { id: string }[] }>('GET', '/api/projects')).body.data[0]!.id;
    const boot = await new Promise<{ boot_id: string; last_event_id: number }>((resolve) => {
      const socket = new WebSocket(`${first.url.replace('http', 'ws')}/ws`);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'subscribe', project_id: projectId })));
      socket.once('message', (raw) => {
        socket.close();
        resolve(JSON.parse(String(raw)) as { boot_id: string; last_event_id: number });
      });
    });

    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    api = serverClient(second.url, projectDir);
    const messages: { id?: number; type: string; data?: Record<string, unknown> }[] = [];
    const socket = new WebSocket(`${second.url.replace('http', 'ws')}/ws`);
    cleanups.push(async () => socket.close());
    socket.on('message', (raw) => messages.push(JSON.parse(String(raw)) as (typeof messages)[number]));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(
      JSON.stringify({
        type: 'subscribe',
        project_id: projectId,
        boot_id: boot.boot_id,
        last_event_id: boot.last_event_id,
      }),
    );

    const run = await api.waitForRun(runId, (r) => ['completed', 'failed', 'cancelled'].includes(r.status), 30_000);
    expect(run.status).toBe('completed');
    // The board's "resumed after restart at step N": the run was taken up again at its second step (index 1).
    expect(run.recovered_at_step).toBe(1);
    expect(Date.parse(run.recovered_at as string)).toBeGreaterThan(Date.parse(run.created_at as string));
    const ran = (await readFile(counter, 'utf8')).trim().split('\n');
    expect(ran.filter((step) => step === 'first')).toHaveLength(1);
    expect(ran.filter((step) => step === 'third')).toHaveLength(1);
    // The step the kill interrupted had not completed: it runs again, once; nothing else does.
    expect(ran.filter((step) => step === 'second')).toHaveLength(2);

    const deadline = Date.now() + 5_000;
    while (!messages.some((m) => m.data?.execution_id === runId && m.data.status === 'completed')) {
      if (Date.now() > deadline) throw new Error(`no completion event after restart: ${JSON.stringify(messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // A client whose last id belongs to the killed server is told to resync, then gets live events.
    expect(messages.map((m) => m.type)).toContain('resync');
    expect(
      messages.some(
        (m) => m.type === 'workflow.step.completed' && m.data?.execution_id === runId && m.data.step_id === 'third',
      ),
    ).toBe(true);
  }, 90_000);
});
