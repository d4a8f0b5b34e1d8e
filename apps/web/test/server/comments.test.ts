import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppDatabase } from '../../src/server/db/connection.ts';
import { users, workflowArtifacts } from '../../src/server/db/schema.ts';
import { registerErrorHandler } from '../../src/server/http/errorHandler.ts';
import { workflowArtifactRoutes } from '../../src/server/routes/workflow-artifacts.ts';
import { workflowCommentRoutes } from '../../src/server/routes/workflow-comments.ts';
import { rowJson } from '../../src/server/db/rowJson.ts';
import { DATABASE_KINDS } from './databases.ts';
import { recordingBus } from './recordingBus.ts';
import type { RecordingBus } from './recordingBus.ts';
import type { DatabaseKind } from './databases.ts';
import { seedRun } from './fixtures.ts';
import type { SeededRun } from './fixtures.ts';

const UNKNOWN_ID = '7d1c5a0e-1b2c-4d3e-8f40-123456789abc';

describe.each(DATABASE_KINDS)('comments on $name', (kind: DatabaseKind) => {
  let handle: Awaited<ReturnType<DatabaseKind['open']>>;
  let db: AppDatabase;
  let bus: RecordingBus;
  let app: FastifyInstance;
  let run: SeededRun;
  let otherRun: SeededRun;

  beforeAll(async () => {
    handle = await kind.open();
    db = handle.db;
  });
  afterAll(async () => {
    await handle.drop();
  });
  beforeEach(async () => {
    bus = recordingBus();
    app = Fastify();
    registerErrorHandler(app);
    await app.register(workflowCommentRoutes, { db, bus });
    await app.register(workflowArtifactRoutes, { db, bus });
    await app.ready();
    run = await seedRun(db, { steps: ['plan', 'build'] });
    otherRun = await seedRun(db);
  });
  afterEach(async () => {
    await app.close();
    await run.cleanup();
    await otherRun.cleanup();
  });

  const postComment = (runId: string, payload: unknown) =>
    app.inject({ method: 'POST', url: `/api/workflow-executions/${runId}/comments`, payload: payload as object });

  it('creates a run-level comment by the local user and announces it on the bus', async () => {
    const response = await postComment(run.runId, { text: '  looks good  ' });
    expect(response.statusCode).toBe(201);
    const comment = response.json();
    const [local] = await db.select().from(users).where(eq(users.username, 'local'));
    expect(comment).toMatchObject({
      workflow_run_id: run.runId,
      workflow_run_step_id: null,
      text: 'looks good',
      comment_type: 'user',
      created_by: local!.id,
      artifacts: [],
    });
    expect(comment.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(bus.published).toEqual([
      {
        projectId: run.projectId,
        event: {
          id: 1,
          type: 'workflow.comment.created',
          data: { execution_id: run.runId, step_id: null, comment },
        },
      },
    ]);
  });

  it('creates a step-level comment whose event names the step by its text id', async () => {
    const response = await postComment(run.runId, { text: 'why this plan?', workflow_run_step_id: run.stepIds.plan });
    expect(response.statusCode).toBe(201);
    const comment = response.json();
    expect(comment.workflow_run_step_id).toBe(run.stepIds.plan);
    expect(bus.published[0]!.event.data).toEqual({ execution_id: run.runId, step_id: 'plan', comment });
  });

  it('lists comments oldest first, each with the artifacts attached to it', async () => {
    const first = (await postComment(run.runId, { text: 'first' })).json();
    const second = (await postComment(run.runId, { text: 'second', workflow_run_step_id: run.stepIds.build })).json();
    const [artifact] = await db
      .insert(workflowArtifacts)
      .values({
        workflow_run_step_id: run.stepIds.build!,
        workflow_comment_id: second.id,
        name: 'screenshot.png',
        file_path: 'artifacts/build/x.png',
        file_type: 'image',
        mime_type: 'image/png',
        size_bytes: 3,
        sha256: 'abc',
      })
      .returning();

    const response = await app.inject({ method: 'GET', url: `/api/workflow-executions/${run.runId}/comments` });

    expect(response.statusCode).toBe(200);
    const { data } = response.json();
    expect(data.map((c: { id: string }) => c.id)).toEqual([first.id, second.id]);
    expect(data[0].artifacts).toEqual([]);
    expect(data[1].artifacts).toEqual([rowJson(artifact!)]);
  });

  it('narrows the list to one step when asked, leaving run-level comments out', async () => {
    await postComment(run.runId, { text: 'run level' });
    const onPlan = (await postComment(run.runId, { text: 'on plan', workflow_run_step_id: run.stepIds.plan })).json();
    await postComment(run.runId, { text: 'on build', workflow_run_step_id: run.stepIds.build });

    const response = await app.inject({
      method: 'GET',
      url: `/api/workflow-executions/${run.runId}/comments?workflow_run_step_id=${run.stepIds.plan}`,
    });

    expect(response.json().data.map((c: { id: string }) => c.id)).toEqual([onPlan.id]);
  });

  it('keeps the diff line a comment is on, answers it on create and list, and defaults its side to the new file', async () => {
    const onLine = await postComment(run.runId, {
      text: 'off by one?',
      workflow_run_step_id: run.stepIds.build,
      anchor: { file: 'src/parse.ts', line: 12, side: 'old' },
    });
    const onNew = await postComment(run.runId, { text: 'nice', anchor: { file: 'README.md', line: 3 } });
    const plain = await postComment(run.runId, { text: 'no line' });

    expect(onLine.statusCode).toBe(201);
    expect(onLine.json()).toMatchObject({
      workflow_run_step_id: run.stepIds.build,
      anchor: { file: 'src/parse.ts', line: 12, side: 'old' },
    });
    expect(onNew.json().anchor).toEqual({ file: 'README.md', line: 3, side: 'new' });
    expect(plain.json().anchor).toBeNull();
    expect(bus.published[0]!.event.data).toMatchObject({
      step_id: 'build',
      comment: { anchor: { file: 'src/parse.ts', line: 12, side: 'old' } },
    });
    const listed = await app.inject({ method: 'GET', url: `/api/workflow-executions/${run.runId}/comments` });
    expect(listed.json().data.map((c: { anchor: unknown }) => c.anchor)).toEqual([
      { file: 'src/parse.ts', line: 12, side: 'old' },
      { file: 'README.md', line: 3, side: 'new' },
      null,
    ]);
  });

  it('answers an empty list for a run without comments', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/workflow-executions/${run.runId}/comments` });
    expect(response.json()).toEqual({ data: [] });
  });

  interface BadInput {
    name: string;
    request: () => Promise<{ statusCode: number; json(): unknown }>;
    status: number;
    code: string;
    field: string;
  }

  const badInputs: BadInput[] = [
    {
      name: 'a run id that is not a uuid',
      request: () => postComment('not-a-uuid', { text: 'x' }),
      status: 400,
      code: 'validation_failed',
      field: 'id',
    },
    {
      name: 'an unknown run',
      request: () => postComment(UNKNOWN_ID, { text: 'x' }),
      status: 404,
      code: 'not_found',
      field: 'id',
    },
    {
      name: 'no body at all',
      request: () => app.inject({ method: 'POST', url: `/api/workflow-executions/${run.runId}/comments` }),
      status: 400,
      code: 'validation_failed',
      field: 'text',
    },
    {
      name: 'text that is only whitespace',
      request: () => postComment(run.runId, { text: ' \n\t ' }),
      status: 400,
      code: 'validation_failed',
      field: 'text',
    },
    {
      name: 'text longer than 20,000 characters',
      request: () => postComment(run.runId, { text: 'a'.repeat(20_001) }),
      status: 400,
      code: 'validation_failed',
      field: 'text',
    },
    {
      name: 'text that is not a string',
      request: () => postComment(run.runId, { text: 42 }),
      status: 400,
      code: 'validation_failed',
      field: 'text',
    },
    {
      name: 'a step id that is not a uuid',
      request: () => postComment(run.runId, { text: 'x', workflow_run_step_id: 'build' }),
      status: 400,
      code: 'validation_failed',
      field: 'workflow_run_step_id',
    },
    {
      name: 'a step of another run',
      request: () => postComment(run.runId, { text: 'x', workflow_run_step_id: otherRun.stepIds.build }),
      status: 400,
      code: 'validation_failed',
      field: 'workflow_run_step_id',
    },
    {
      name: 'a step that does not exist',
      request: () => postComment(run.runId, { text: 'x', workflow_run_step_id: UNKNOWN_ID }),
      status: 404,
      code: 'not_found',
      field: 'workflow_run_step_id',
    },
    {
      name: 'an anchor that is not an object',
      request: () => postComment(run.runId, { text: 'x', anchor: 'src/a.ts:3' }),
      status: 400,
      code: 'validation_failed',
      field: 'anchor',
    },
    {
      name: 'an anchor without a file',
      request: () => postComment(run.runId, { text: 'x', anchor: { line: 3 } }),
      status: 400,
      code: 'validation_failed',
      field: 'anchor.file',
    },
    {
      name: 'an anchor on an absolute path',
      request: () => postComment(run.runId, { text: 'x', anchor: { file: '/etc/passwd', line: 3 } }),
      status: 400,
      code: 'validation_failed',
      field: 'anchor.file',
    },
    {
      name: 'an anchor on line 0',
      request: () => postComment(run.runId, { text: 'x', anchor: { file: 'a.ts', line: 0 } }),
      status: 400,
      code: 'validation_failed',
      field: 'anchor.line',
    },
    {
      name: 'an anchor whose line is not a whole number',
      request: () => postComment(run.runId, { text: 'x', anchor: { file: 'a.ts', line: '3' } }),
      status: 400,
      code: 'validation_failed',
      field: 'anchor.line',
    },
    {
      name: 'an anchor on a side that is neither new nor old',
      request: () => postComment(run.runId, { text: 'x', anchor: { file: 'a.ts', line: 3, side: 'left' } }),
      status: 400,
      code: 'validation_failed',
      field: 'anchor.side',
    },
    {
      name: 'an anchor with a misspelt field',
      request: () => postComment(run.runId, { text: 'x', anchor: { file: 'a.ts', line: 3, sde: 'old' } }),
      status: 400,
      code: 'validation_failed',
      field: 'anchor',
    },
    {
      name: 'a list for a run id that is not a uuid',
      request: () => app.inject({ method: 'GET', url: '/api/workflow-executions/123/comments' }),
      status: 400,
      code: 'validation_failed',
      field: 'id',
    },
    {
      name: 'a list for an unknown run',
      request: () => app.inject({ method: 'GET', url: `/api/workflow-executions/${UNKNOWN_ID}/comments` }),
      status: 404,
      code: 'not_found',
      field: 'id',
    },
    {
      name: 'a list filtered by a step id that is not a uuid',
      request: () =>
        app.inject({
          method: 'GET',
          url: `/api/workflow-executions/${run.runId}/comments?workflow_run_step_id=nope`,
        }),
      status: 400,
      code: 'validation_failed',
      field: 'workflow_run_step_id',
    },
    {
      name: "a list filtered by another run's step",
      request: () =>
        app.inject({
          method: 'GET',
          url: `/api/workflow-executions/${run.runId}/comments?workflow_run_step_id=${otherRun.stepIds.build}`,
        }),
      status: 400,
      code: 'validation_failed',
      field: 'workflow_run_step_id',
    },
  ];

  it.each(badInputs)('refuses $name with $status naming $field', async ({ request, status, code, field }) => {
    const response = await request();
    expect(response.statusCode).toBe(status);
    const body = response.json() as { error: { code: string; details: { fields: Array<{ field: string }> } } };
    expect(body.error.code).toBe(code);
    expect(body.error.details.fields.map((f) => f.field)).toContain(field);
    expect(bus.published).toEqual([]);
  });
});
