import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { agentSessions, workflowComments, workflowRunSteps, workflowRuns } from '../../src/server/db/schema.ts';
import { DATABASE_KINDS } from './databases.ts';
import { startTestServer } from './serverHarness.ts';
import type { RunJson, TestServer } from './serverHarness.ts';

const terminal = (run: RunJson) => ['completed', 'failed', 'cancelled'].includes(run.status);
const lines = async (path: string) => (await readFile(path, 'utf8')).trim().split('\n');

describe.each(DATABASE_KINDS)('runs through the API on $name', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function start(identifier: string, args: Record<string, unknown> = {}) {
    const created = await t.api<RunJson>('POST', '/api/workflow-executions', {
      workflow_definition_id: await t.definitionId(identifier),
      args,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  }

  it('creates a run, executes it in a worker and leaves every step row, phase and status in the database', async () => {
    const created = await start('simple-pipeline', { environment: 'production' });
    expect(created).toMatchObject({ args: { environment: 'production', version: '1.0.0' } });
    // A worker may have claimed it, which makes it running, before the answer is read back.
    expect(['pending', 'running']).toContain(created.status);

    const run = await t.waitForRun(created.id, terminal);
    expect(run).toMatchObject({ status: 'completed', current_phase: 'deploy', error: null });
    expect(run.steps.map((s) => [s.step_id, s.phase, s.status])).toEqual([
      ['build', 'build', 'completed'],
      ['unit-tests', 'test', 'completed'],
      ['deploy', 'deploy', 'completed'],
    ]);

    const db = t.server.database.db;
    const [row] = await db.select().from(workflowRuns).where(eq(workflowRuns.id, created.id));
    expect(row).toMatchObject({ status: 'completed', current_step_index: 3, lease_owner: null });
    const steps = await db.select().from(workflowRunSteps).where(eq(workflowRunSteps.workflow_run_id, created.id));
    expect(steps).toHaveLength(3);
    for (const step of steps) {
      expect(step.finished_at).not.toBeNull();
      expect(existsSync(join(step.log_directory_path!, 'output.json'))).toBe(true);
    }
    const template = await t.api<{ data: { identifier: string; times_used: number }[] }>(
      'GET',
      '/api/workflow-definitions',
    );
    expect(template.body.data.find((d) => d.identifier === 'simple-pipeline')?.times_used).toBeGreaterThanOrEqual(1);
  });

  it('creates the agent session record before an agent step runs and links it from the step', async () => {
    const created = await start('implement-feature', { feature: 'Add a --verbose flag', skipTests: true });
    const run = await t.waitForRun(created.id, terminal, 60_000);
    expect(run.status, run.error ?? '').toBe('completed');
    const db = t.server.database.db;
    const steps = await db.select().from(workflowRunSteps).where(eq(workflowRunSteps.workflow_run_id, created.id));
    const agentSteps = steps.filter((s) => s.type === 'agent');
    expect(agentSteps.map((s) => s.step_id).sort()).toEqual(['implement', 'research-codebase']);
    for (const step of agentSteps) {
      expect(step.agent_session_id).not.toBeNull();
      const [session] = await db.select().from(agentSessions).where(eq(agentSessions.id, step.agent_session_id!));
      expect(session).toMatchObject({ agent: 'claude', project_id: t.server.projectId });
      // The CLI's own session id, journaled as the agent reported it, is kept on the record too.
      expect(session!.cli_session_id).toBe(step.cli_session_id);
      expect(session!.cli_session_id).toBeTruthy();
    }
    const stepView = await t.api<{ agent_session: { id: string } | null }>(
      'GET',
      `/api/workflow-steps/${agentSteps[0]!.id}`,
    );
    expect(stepView.body.agent_session?.id).toBe(agentSteps[0]!.agent_session_id);
  });

  it('pauses a run at the next step boundary and resumes it without running completed steps again', async () => {
    const counter = join(t.projectDir, `count-${kind.name}-pause.txt`);
    const created = await start('counted', { counter, pause_seconds: 1 });
    await t.waitForRun(created.id, (r) => r.steps.some((s) => s.step_id === 'second' && s.status === 'running'));
    const paused = await t.api<RunJson>('POST', `/api/workflow-executions/${created.id}/pause`, {});
    expect(paused.status).toBe(200);
    const stopped = await t.waitForRun(created.id, (r) => r.status === 'paused');
    expect(stopped.steps.map((s) => s.step_id)).toEqual(['first', 'second']);

    expect((await t.api('POST', `/api/workflow-executions/${created.id}/resume`)).status).toBe(200);
    const done = await t.waitForRun(created.id, terminal);
    expect(done.status).toBe('completed');
    expect(await lines(counter)).toEqual(['first', 'second', 'third']);
  });

  it('cancels a running run, killing its step, and refuses to resume it', async () => {
    const created = await start('sleepy');
    await t.waitForRun(created.id, (r) => r.steps.some((s) => s.status === 'running'));
    expect((await t.api('POST', `/api/workflow-executions/${created.id}/cancel`)).status).toBe(200);
    const run = await t.waitForRun(created.id, terminal, 10_000);
    expect(run.status).toBe('cancelled');
    const again = await t.api<{ error: { code: string } }>('POST', `/api/workflow-executions/${created.id}/resume`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invalid_transition');
  });

  it('waits at a manual gate until advanced, then re-runs from a phase keeping the old attempt as history', async () => {
    const created = await start('gated');
    const waiting = await t.waitForRun(created.id, (r) => r.status === 'waiting');
    // The card stays in the column before the gate until someone approves it (drags it into the gate's column).
    expect(waiting).toMatchObject({ waiting_gate: 'review', current_phase: 'build' });
    expect((await t.api('POST', `/api/workflow-executions/${created.id}/advance`)).status).toBe(200);
    const done = await t.waitForRun(created.id, terminal);
    expect(done.steps.map((s) => s.step_id)).toEqual(['build', 'release']);

    const rerun = await t.api<RunJson>('POST', `/api/workflow-executions/${created.id}/rerun`, { phase: 'release' });
    expect(rerun.status).toBe(200);
    const again = await t.waitForRun(created.id, (r) => terminal(r) && r.steps.length === 2);
    expect(again.status).toBe('completed');
    const history = await t.server.database.db
      .select()
      .from(workflowRunSteps)
      .where(eq(workflowRunSteps.workflow_run_id, created.id));
    expect(history.filter((s) => s.step_id === 'release')).toHaveLength(2);
    expect(history.filter((s) => s.step_id === 'build')).toHaveLength(1);
  });

  it('streams the seven event types of a run to a WebSocket subscriber, in order', async () => {
    const projectId = t.server.projectId;
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/ws`);
    const received: { id: number; type: string; data: Record<string, unknown> }[] = [];
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { id?: number; type: string; data: Record<string, unknown> };
      if (message.id !== undefined) received.push(message as (typeof received)[number]);
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'subscribe', project_id: projectId }));
    await new Promise((resolve) => socket.once('message', resolve));

    const counter = join(t.projectDir, `count-${kind.name}-ws.txt`);
    const created = await start('counted', { counter, pause_seconds: 1 });
    const running = await t.waitForRun(created.id, (r) =>
      r.steps.some((s) => s.step_id === 'second' && s.status === 'running'),
    );
    const first = running.steps.find((s) => s.step_id === 'first')!;
    const comment = await t.api<{ id: string }>('POST', `/api/workflow-executions/${created.id}/comments`, {
      text: 'looks good',
      workflow_run_step_id: first.id,
    });
    expect(comment.status).toBe(201);
    const form = new FormData();
    form.set('workflow_run_step_id', first.id);
    form.set('file', new Blob(['log line\n'], { type: 'text/plain' }), 'notes.txt');
    const upload = await fetch(`${t.url}/api/workflow-executions/${created.id}/artifacts`, {
      method: 'POST',
      body: form,
    });
    expect(upload.status).toBe(201);
    await t.waitForRun(created.id, terminal);
    const deadline = Date.now() + 5_000;
    while (
      !received.some((e) => e.type === 'workflow.execution.status_changed' && e.data.status === 'completged') &&
      Date.now() < deadline
    ) {
      if (received.some((e) => e.data.execution_id === created.id && e.data.status === 'completed')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    socket.close();

    const events = received.filter((e) => e.data.execution_id === created.id);
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set([
        'workflow.execution.status_changed',
        'workflow.execution.phase_changed',
        'workflow.step.started',
        'workflow.step.progress',
        'workflow.step.completed',
        'workflow.comment.created',
        'workflow.artifact.created',
      ]),
    );
    const ofFirst = events.filter((e) => e.data.step_id === 'first' && e.type.startsWith('workflow.step.'));
    expect(ofFirst[0]?.type).toBe('workflow.step.started');
    expect(ofFirst.at(-1)?.type).toBe('workflow.step.completed');
    expect(events.at(-1)).toMatchObject({ type: 'workflow.execution.status_changed', data: { status: 'completed' } });
  });

  it('deletes a finished run with its steps, comments, artifacts and files', async () => {
    const created = await start('simple-pipeline');
    const run = await t.waitForRun(created.id, terminal);
    await t.api('POST', `/api/workflow-executions/${created.id}/comments`, { text: 'bye' });
    const executionDir = join(t.projectDir, '.agent', 'workflows', 'executions', created.id);
    expect(existsSync(executionDir)).toBe(true);
    expect(run.steps).toHaveLength(3);

    expect((await t.api('DELETE', `/api/workflow-executions/${created.id}`)).status).toBe(204);
    expect((await t.api('GET', `/api/workflow-executions/${created.id}`)).status).toBe(404);
    const db = t.server.database.db;
    expect(await db.select().from(workflowRunSteps).where(eq(workflowRunSteps.workflow_run_id, created.id))).toEqual(
      [],
    );
    expect(await db.select().from(workflowComments).where(eq(workflowComments.workflow_run_id, created.id))).toEqual(
      [],
    );
    expect(existsSync(executionDir)).toBe(false);
  });

  it('shows on the board the runs finished in the last day, whenever they were last touched, and not older ones', async () => {
    const recent = await start('simple-pipeline');
    const old = await start('simple-pipeline');
    await t.waitForRun(recent.id, terminal);
    await t.waitForRun(old.id, terminal);
    const db = t.server.database.db;
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000).toISOString();
    // A comment on an old run touches it now; it finished two days ago all the same.
    await db
      .update(workflowRuns)
      .set({ completed_at: twoDaysAgo, updated_at: new Date().toISOString() })
      .where(eq(workflowRuns.id, old.id));
    const [row] = await db
      .select({ project_id: workflowRuns.project_id })
      .from(workflowRuns)
      .where(eq(workflowRuns.id, old.id));
    const board = await t.api<{ cards: { id: string }[] }>('GET', `/api/board?project_id=${row!.project_id}`);
    expect(board.status).toBe(200);
    const ids = board.body.cards.map((card) => card.id);
    expect(ids).toContain(recent.id);
    expect(ids).not.toContain(old.id);
  });

  it('counts a project’s runs by status up to the board’s count limit', async () => {
    const finished = await start('simple-pipeline');
    await t.waitForRun(finished.id, terminal);
    const db = t.server.database.db;
    // A history of 1,001 runs cancelled two days ago, copied from that run.
    await db.execute(sql`
      insert into ${workflowRuns} (project_id, workflow_definition_id, name, args, status, created_at, cancelled_at)
      select project_id, workflow_definition_id, 'history', '{}'::jsonb, 'cancelled',
             now() - interval '2 days', now() - interval '2 days'
      from ${workflowRuns}, generate_series(1, 1001) where id = ${finished.id}::uuid`);
    const [row] = await db
      .select({ project_id: workflowRuns.project_id })
      .from(workflowRuns)
      .where(eq(workflowRuns.id, finished.id));
    const board = await t.api<{ counts: Record<string, number>; count_limit: number; cards: { name: string }[] }>(
      'GET',
      `/api/board?project_id=${row!.project_id}`,
    );
    expect(board.body.count_limit).toBe(1_000);
    expect(board.body.counts.cancelled).toBe(1_000);
    expect(board.body.counts.completed).toBeGreaterThan(0);
    expect(board.body.counts.completed).toBeLessThan(1_000);
    expect(board.body.cards.filter((card) => card.name === 'history')).toEqual([]);
    await db.delete(workflowRuns).where(eq(workflowRuns.name, 'history'));
  });

  it('lists runs newest first with filters, counts and pagination', async () => {
    const page = await t.api<{ data: RunJson[]; pagination: { total: number; limit: number } }>(
      'GET',
      '/api/workflow-executions?status=completed,cancelled&limit=2',
    );
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.pagination.total).toBeGreaterThanOrEqual(3);
    const created = page.body.data.map((r) => Date.parse(r.created_at as string));
    expect(created[0]).toBeGreaterThanOrEqual(created[1]!);
    for (const run of page.body.data) {
      expect(['completed', 'cancelled']).toContain(run.status);
      expect(run).toHaveProperty('comment_count');
      expect(run).toHaveProperty('artifact_count');
      expect(run).toHaveProperty('workflow_definition.identifier');
    }
  });

  it('searches names and args literally, case-insensitively, and filters by creation time', async () => {
    const named = await start('simple-pipeline', { environment: 'staging', version: '9.9.9' });
    const percent = await start('simple-pipeline', { environment: 'staging', version: '100%_done' });
    await t.waitForRun(named.id, terminal);
    await t.waitForRun(percent.id, terminal);
    const search = async (query: string) => {
      const page = await t.api<{ data: RunJson[]; pagination: { total: number } }>(
        'GET',
        `/api/workflow-executions?${query}`,
      );
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      return page.body.data.map((run) => run.id);
    };
    expect(await search('q=9.9.9')).toEqual([named.id]);
    // % and _ are the characters typed, not wildcards: "100%_d" matches one run, "1_0" none.
    expect(await search(`q=${encodeURIComponent('100%_D')}`)).toEqual([percent.id]);
    expect(await search('q=1_0')).toEqual([]);
    expect(await search(`q=${encodeURIComponent(named.name as string)}&limit=500`)).toContain(named.id);
    const after = new Date(Date.parse(percent.created_at as string) + 1).toISOString();
    expect(await search(`created_after=${after}&q=staging`)).toEqual([]);
    expect(await search(`created_after=${percent.created_at as string}&q=staging`)).toEqual([percent.id]);
    const bad = await t.api<{ error: { details: { fields: { field: string; message: string }[] } } }>(
      'GET',
      '/api/workflow-executions?created_after=yesterday',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields).toEqual([
      { field: 'created_after', message: 'must be a date (2026-12-01) or an ISO 8601 time (2026-12-01T09:30:00Z)' },
    ]);
  });

  const definitionPlaceholder = '00000000-0000-4000-8000-000000000000';
  it.each([
    ['POST', '/api/workflow-executions', {}, 400, 'workflow_definition_id'],
    ['POST', '/api/workflow-executions', { workflow_definition_id: 'nope' }, 400, 'workflow_definition_id'],
    [
      'POST',
      '/api/workflow-executions',
      { workflow_definition_id: definitionPlaceholder },
      404,
      'workflow_definition_id',
    ],
    ['POST', '/api/workflow-executions', { workflow_definition_id: '@simple-pipeline', args: [] }, 400, 'args'],
    [
      'POST',
      '/api/workflow-executions',
      { workflow_definition_id: '@simple-pipeline', args: { environment: 'moon' } },
      400,
      'args.environment',
    ],
    ['POST', '/api/workflow-executions', { workflow_definition_id: '@counted', args: {} }, 400, 'args.counter'],
    ['POST', '/api/workflow-executions', { workflow_definition_id: '@simple-pipeline', name: '' }, 400, 'name'],
    [
      'POST',
      '/api/workflow-executions',
      { workflow_definition_id: '@simple-pipeline', project_id: 'x' },
      400,
      'project_id',
    ],
    ['GET', '/api/workflow-executions?status=sleeping', undefined, 400, 'status[0]'],
    ['GET', '/api/workflow-executions?limit=0', undefined, 400, 'limit'],
    ['GET', '/api/workflow-executions?offset=-1', undefined, 400, 'offset'],
    ['GET', '/api/workflow-executions?project_id=42', undefined, 400, 'project_id'],
    ['GET', '/api/workflow-executions/not-a-uuid', undefined, 400, 'id'],
    ['GET', `/api/workflow-executions/${definitionPlaceholder}`, undefined, 404, null],
    ['POST', '/api/workflow-executions/not-a-uuid/pause', {}, 400, 'id'],
    ['POST', `/api/workflow-executions/${definitionPlaceholder}/pause`, { now: 'yes' }, 400, 'now'],
    ['POST', `/api/workflow-executions/${definitionPlaceholder}/rerun`, {}, 400, 'phase'],
    ['POST', `/api/workflow-executions/${definitionPlaceholder}/cancel`, undefined, 404, null],
  ] as const)('answers %s %s %j with %i naming %s', async (method, path, body, status, field) => {
    let payload: unknown = body;
    if (
      body &&
      typeof body === 'object' &&
      'workflow_definition_id' in body &&
      body.workflow_definition_id.startsWith('@')
    ) {
      payload = { ...body, workflow_definition_id: await t.definitionId(body.workflow_definition_id.slice(1)) };
    }
    const response = await t.api<{
      error: { code: string; message: string; details: { fields?: { field: string }[] } };
    }>(method, path, payload);
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.body.error.message).toBeTruthy();
    if (field) expect(response.body.error.details.fields?.map((f) => f.field)).toContain(field);
  });
});
