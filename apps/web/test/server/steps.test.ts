import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { ExecutionFiles } from '@switchyard/workflow-engine';
import type { StepLogType } from '@switchyard/workflow-engine';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { agentSessions, workflowRunSteps } from '../../src/server/db/schema.ts';
import { projectLayout } from '../../src/server/domain/project/projectLayout.ts';
import { readStepLog } from '../../src/server/domain/workflow-step/services/readStepLog.ts';
import { registerErrorHandler } from '../../src/server/http/errorHandler.ts';
import { workflowStepRoutes } from '../../src/server/routes/workflow-steps.ts';
import { DATABASE_KINDS } from './databases.ts';
import type { DatabaseKind } from './databases.ts';
import { seedRun } from './fixtures.ts';
import type { SeededRun } from './fixtures.ts';

const UNKNOWN_ID = '7d444840-9dc0-41c4-8b1d-1d2a2b3c4d5e';

const LOGS: Record<StepLogType, { content: string; contentType: string }> = {
  input: { content: '{\n  "prompt": "build it"\n}', contentType: 'application/json; charset=utf-8' },
  output: { content: '{\n  "status": "completed",\n  "data": "é"\n}', contentType: 'application/json; charset=utf-8' },
  events: {
    content: '{"type":"text","text":"one"}\n{"type":"text","text":"two"}\n',
    contentType: 'application/x-ndjson; charset=utf-8',
  },
  summary: { content: '# Build\n\nAll green ✓\n', contentType: 'text/markdown; charset=utf-8' },
};

/** Reads a streamed body chunk by chunk, so a test can wait for text to arrive while the response is still open. */
function bodyReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let done = false;
  void (async () => {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      text += decoder.decode(next.value, { stream: true });
    }
    done = true;
  })();
  return {
    text: () => text,
    done: () => done,
  };
}

describe.each(DATABASE_KINDS)('workflow steps on $name', (kind: DatabaseKind) => {
  let handle: Awaited<ReturnType<DatabaseKind['open']>>;
  let app: FastifyInstance;
  let seeded: SeededRun;
  let files: ExecutionFiles;
  let sessionId: string;
  let baseUrl: string;
  const bodies = new Map<string, Readable>();

  const setStatus = (stepId: string, status: 'running' | 'completed') =>
    handle.db.update(workflowRunSteps).set({ status }).where(eq(workflowRunSteps.id, seeded.stepIds[stepId]!));
  const logPath = (stepId: string, type: StepLogType) => files.logPath(stepId, type);

  // Opening a database takes seconds when the machine's two cores are shared with other test files.
  beforeAll(async () => {
    handle = await kind.open();
    seeded = await seedRun(handle.db, { steps: ['build', 'deploy', 'watch', 'quiet', 'leave'] });
    files = new ExecutionFiles(projectLayout(seeded.projectDir).executionsDir, seeded.runId);
    const [session] = await handle.db
      .insert(agentSessions)
      .values({ project_id: seeded.projectId, agent: 'claude', cli_session_id: 'cli-123', cwd: seeded.projectDir })
      .returning();
    sessionId = session!.id;
    await handle.db
      .update(workflowRunSteps)
      .set({ agent_session_id: sessionId, cli_session_id: 'cli-123', type: 'agent', input: { prompt: 'build it' } })
      .where(eq(workflowRunSteps.id, seeded.stepIds.build!));
    for (const [type, { content }] of Object.entries(LOGS)) {
      const file = logPath('build', type as StepLogType);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    }

    app = Fastify();
    registerErrorHandler(app);
    // Keeps each streamed log body so a test can see the server side close; as an onSend hook it also delays
    // Fastify's writeHead, as a security-headers hook would in the real app.
    app.addHook('onSend', async (request, _reply, payload) => {
      const { id } = request.params as { id?: string };
      if (id && payload instanceof Readable) bodies.set(id, payload);
      return payload;
    });
    await app.register(workflowStepRoutes, { db: handle.db, defaultProjectId: seeded.projectId });
    await app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await handle?.drop();
    await seeded?.cleanup();
  });

  it('returns the step row in snake_case with its agent session joined', async () => {
    const response = await app.inject({ url: `/api/workflow-steps/${seeded.stepIds.build}` });

    expect(response.statusCode).toBe(200);
    const step = response.json();
    expect(Object.keys(step).sort()).toEqual(
      [
        'id',
        'workflow_run_id',
        'step_id',
        'step_index',
        'name',
        'phase',
        'type',
        'status',
        'attempt',
        'input',
        'output',
        'error',
        'log_directory_path',
        'agent_session_id',
        'cli_session_id',
        'started_at',
        'finished_at',
        'invalidated_at',
        'created_at',
        'updated_at',
        'agent_session',
      ].sort(),
    );
    expect(step).toMatchObject({
      id: seeded.stepIds.build,
      workflow_run_id: seeded.runId,
      step_id: 'build',
      step_index: 0,
      type: 'agent',
      input: { prompt: 'build it' },
      agent_session_id: sessionId,
      agent_session: { id: sessionId, agent: 'claude', cli_session_id: 'cli-123', project_id: seeded.projectId },
    });
    expect(step.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(step.agent_session.updated_at).toMatch(/Z$/);
  });

  it('returns a null agent session for a step that ran no agent', async () => {
    const response = await app.inject({ url: `/api/workflow-steps/${seeded.stepIds.deploy}` });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ step_id: 'deploy', agent_session_id: null, agent_session: null });
  });

  it.each(Object.keys(LOGS) as StepLogType[])('serves the %s log with its content type', async (type) => {
    const response = await app.inject({ url: `/api/workflow-steps/${seeded.stepIds.build}/logs/${type}` });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(LOGS[type].contentType);
    expect(response.body).toBe(LOGS[type].content);
  });

  it('answers a missing log file with 404 log_not_found naming the type', async () => {
    const response = await app.inject({ url: `/api/workflow-steps/${seeded.stepIds.deploy}/logs/summary` });

    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: 'log_not_found', details: { field: 'type', type: 'summary' } });
    expect(response.json().error.message).toContain('summary');
  });

  it('streams events appended while the step runs and ends the response once it completes', async () => {
    await setStatus('watch', 'running');
    const file = logPath('watch', 'events');

    const response = await fetch(`${baseUrl}/api/workflow-steps/${seeded.stepIds.watch}/logs/events`);
    const body = bodyReader(response);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');

    // The file does not exist yet when the response opens: following must wait for it.
    await mkdir(dirname(file), { recursive: true });
    await appendFile(file, '{"n":1}\n');
    await vi.waitFor(() => expect(body.text()).toBe('{"n":1}\n'), { timeout: 5_000 });
    await appendFile(file, '{"n":2}\n');
    await vi.waitFor(() => expect(body.text()).toBe('{"n":1}\n{"n":2}\n'), { timeout: 5_000 });
    expect(body.done()).toBe(false);

    await appendFile(file, '{"n":3}\n');
    await setStatus('watch', 'completed');

    await vi.waitFor(() => expect(body.done()).toBe(true), { timeout: 5_000 });
    expect(body.text()).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('answers the events of a running step at once, without following, when follow=false', async () => {
    await setStatus('quiet', 'running');
    const file = logPath('quiet', 'events');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, '{"n":1}\n');

    const response = await app.inject({ url: `/api/workflow-steps/${seeded.stepIds.quiet}/logs/events?follow=false` });

    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"n":1}\n');
  });

  it('stops following when the client disconnects', async () => {
    await setStatus('leave', 'running');
    const file = logPath('leave', 'events');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, '{"n":1}\n');
    // node:http rather than fetch: fetch's pool opens a spare connection after a cancel, which the server would
    // then wait for on close.
    let received = '';
    const request = get(`${baseUrl}/api/workflow-steps/${seeded.stepIds.leave}/logs/events`, { agent: false }, (res) =>
      res.on('data', (chunk: Buffer) => (received += chunk.toString())).on('error', () => undefined),
    );
    request.on('error', () => undefined);
    await vi.waitFor(() => expect(received).toBe('{"n":1}\n'), { timeout: 5_000 });
    const served = bodies.get(seeded.stepIds.leave!);
    expect(served?.closed).toBe(false);

    request.destroy();

    await vi.waitFor(() => expect(served?.closed).toBe(true), { timeout: 5_000 });
  });

  it('ends the followed stream promptly when its signal aborts, while the step is still running', async () => {
    const controller = new AbortController();
    const log = await readStepLog({ db: handle.db }, seeded.stepIds.leave!, 'events', {
      signal: controller.signal,
      filePollMs: 10_000,
    });
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((resolve) => log.body.on('close', resolve));
    log.body.on('data', (chunk: Buffer) => chunks.push(chunk));
    await vi.waitFor(() => expect(Buffer.concat(chunks).toString()).toBe('{"n":1}\n'), { timeout: 5_000 });

    const abortedAt = Date.now();
    controller.abort();
    await ended;

    expect(log.following).toBe(true);
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
  });

  it('stops following promptly when the served body is destroyed, whoever destroys it', async () => {
    const log = await readStepLog({ db: handle.db }, seeded.stepIds.leave!, 'events', { filePollMs: 10_000 });
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((resolve) => log.body.on('close', resolve));
    log.body.on('data', (chunk: Buffer) => chunks.push(chunk));
    await vi.waitFor(() => expect(Buffer.concat(chunks).toString()).toBe('{"n":1}\n'), { timeout: 5_000 });

    const destroyedAt = Date.now();
    log.body.destroy();
    await closed;

    expect(Date.now() - destroyedAt).toBeLessThan(2_000);
  });

  const badRequests: { case: string; url: () => string; status: number; code: string; field?: string }[] = [
    {
      case: 'a step id that is not a uuid',
      url: () => '/api/workflow-steps/build',
      status: 400,
      code: 'validation_failed',
      field: 'id',
    },
    {
      case: 'a numeric step id',
      url: () => '/api/workflow-steps/42',
      status: 400,
      code: 'validation_failed',
      field: 'id',
    },
    {
      case: 'a uuid with a trailing character',
      url: () => `/api/workflow-steps/${UNKNOWN_ID}x`,
      status: 400,
      code: 'validation_failed',
      field: 'id',
    },
    {
      case: 'an injection attempt as id',
      url: () => `/api/workflow-steps/${encodeURIComponent("1' or '1'='1")}`,
      status: 400,
      code: 'validation_failed',
      field: 'id',
    },
    { case: 'an unknown step', url: () => `/api/workflow-steps/${UNKNOWN_ID}`, status: 404, code: 'not_found' },
    { case: 'a run id as step id', url: () => `/api/workflow-steps/${seeded.runId}`, status: 404, code: 'not_found' },
    {
      case: 'a malformed step id for logs',
      url: () => '/api/workflow-steps/nope/logs/input',
      status: 400,
      code: 'validation_failed',
      field: 'id',
    },
    {
      case: 'an unknown log type',
      url: () => `/api/workflow-steps/${seeded.stepIds.build}/logs/stdout`,
      status: 400,
      code: 'validation_failed',
      field: 'type',
    },
    {
      case: 'a log type in the wrong case',
      url: () => `/api/workflow-steps/${seeded.stepIds.build}/logs/INPUT`,
      status: 400,
      code: 'validation_failed',
      field: 'type',
    },
    {
      case: 'a log type that tries to climb out of the logs folder',
      url: () => `/api/workflow-steps/${seeded.stepIds.build}/logs/${encodeURIComponent('../../definition.json')}`,
      status: 400,
      code: 'validation_failed',
      field: 'type',
    },
    {
      case: 'a log file name instead of a type',
      url: () => `/api/workflow-steps/${seeded.stepIds.build}/logs/events.jsonl`,
      status: 400,
      code: 'validation_failed',
      field: 'type',
    },
    {
      case: 'logs of an unknown step',
      url: () => `/api/workflow-steps/${UNKNOWN_ID}/logs/events`,
      status: 404,
      code: 'not_found',
    },
    {
      case: 'a follow flag that is not true or false',
      url: () => `/api/workflow-steps/${seeded.stepIds.build}/logs/events?follow=maybe`,
      status: 400,
      code: 'validation_failed',
      field: 'follow',
    },
    {
      case: 'a follow flag written as 0',
      url: () => `/api/workflow-steps/${seeded.stepIds.build}/logs/events?follow=0`,
      status: 400,
      code: 'validation_failed',
      field: 'follow',
    },
    {
      case: 'the events of a finished step with no events file',
      url: () => `/api/workflow-steps/${seeded.stepIds.deploy}/logs/events`,
      status: 404,
      code: 'log_not_found',
      field: 'type',
    },
    {
      case: 'the output of a step that has none yet',
      url: () => `/api/workflow-steps/${seeded.stepIds.deploy}/logs/output`,
      status: 404,
      code: 'log_not_found',
      field: 'type',
    },
  ];

  it.each(badRequests)('answers $case with $status $code', async ({ url, status, code, field }) => {
    const response = await app.inject({ url: url() });

    expect(response.statusCode).toBe(status);
    const { error } = response.json();
    expect(error.code).toBe(code);
    if (code === 'validation_failed') {
      expect(error.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
      expect(error.message).toContain(field);
    } else if (code === 'log_not_found') {
      expect(error.details.field).toBe(field);
    } else {
      expect(error.details).toMatchObject({ resource: 'workflow step' });
    }
  });
});
