import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppDatabase } from '../../src/server/db/connection.ts';
import { workflowArtifacts, workflowComments, workflowRunSteps, workflowRuns } from '../../src/server/db/schema.ts';
import { registerErrorHandler } from '../../src/server/http/errorHandler.ts';
import { workflowArtifactRoutes } from '../../src/server/routes/workflow-artifacts.ts';
import { workflowCommentRoutes } from '../../src/server/routes/workflow-comments.ts';
import { DATABASE_KINDS } from './databases.ts';
import { recordingBus } from './recordingBus.ts';
import type { RecordingBus } from './recordingBus.ts';
import type { DatabaseKind } from './databases.ts';
import { seedRun } from './fixtures.ts';
import type { SeededRun } from './fixtures.ts';

const UNKNOWN_ID = '7d1c5a0e-1b2c-4d3e-8f40-123456789abc';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface UploadFile {
  name: string;
  type?: string;
  content: Buffer;
}

/** A multipart body whose parts come in the given order: files and plain fields. */
function form(parts: Array<[string, UploadFile | string]>): FormData {
  const body = new FormData();
  for (const [field, value] of parts) {
    if (typeof value === 'string') body.append(field, value);
    else body.append(field, new Blob([value.content], { type: value.type ?? '' }), value.name);
  }
  return body;
}

/** Every file under `dir`, relative to it; none when the directory does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe.each(DATABASE_KINDS)('artifacts on $name', (kind: DatabaseKind) => {
  let handle: Awaited<ReturnType<DatabaseKind['open']>>;
  let db: AppDatabase;
  let bus: RecordingBus;
  let app: FastifyInstance;
  let run: SeededRun;
  let otherRun: SeededRun;

  async function buildApp(maxUploadBytes?: number): Promise<FastifyInstance> {
    // A keep-alive connection whose response the client has read but the server has not yet marked finished is not
    // idle when `close()` looks, and would hold the close for the keep-alive timeout.
    const built = Fastify({ forceCloseConnections: true });
    registerErrorHandler(built);
    await built.register(workflowCommentRoutes, { db, bus });
    await built.register(workflowArtifactRoutes, { db, bus, maxUploadBytes });
    await built.ready();
    return built;
  }

  const executionDir = (seeded: SeededRun) =>
    join(seeded.projectDir, '.agent', 'workflows', 'executions', seeded.runId);

  const artifactsOf = (seeded: SeededRun) =>
    db
      .select({ id: workflowArtifacts.id })
      .from(workflowArtifacts)
      .innerJoin(workflowRunSteps, eq(workflowRunSteps.id, workflowArtifacts.workflow_run_step_id))
      .where(eq(workflowRunSteps.workflow_run_id, seeded.runId));

  const upload = (runId: string, body: FormData, target = app) =>
    target.inject({ method: 'POST', url: `/api/workflow-executions/${runId}/artifacts`, payload: body });

  const uploadToBuild = async (file: UploadFile) => {
    const response = await upload(
      run.runId,
      form([
        ['workflow_run_step_id', run.stepIds.build!],
        ['file', file],
      ]),
    );
    expect(response.statusCode).toBe(201);
    return response.json();
  };

  beforeAll(async () => {
    handle = await kind.open();
    db = handle.db;
  });
  afterAll(async () => {
    await handle.drop();
  });
  beforeEach(async () => {
    bus = recordingBus();
    app = await buildApp();
    run = await seedRun(db, { steps: ['plan', 'build'] });
    otherRun = await seedRun(db);
  });
  afterEach(async () => {
    await app.close();
    await run.cleanup();
    await otherRun.cleanup();
  });

  it('stores an upload under a server-generated name and downloads the identical bytes', async () => {
    const content = randomBytes(4096);
    const artifact = await uploadToBuild({ name: 'screen shot.PNG', type: 'image/png', content });

    expect(artifact).toMatchObject({
      workflow_run_step_id: run.stepIds.build,
      workflow_comment_id: null,
      name: 'screen shot.PNG',
      file_type: 'image',
      mime_type: 'image/png',
      size_bytes: 4096,
      sha256: sha256(content),
    });
    expect(artifact.file_path).toMatch(/^artifacts\/build\/[0-9a-f-]{36}\.png$/);
    expect(await readFile(join(executionDir(run), artifact.file_path))).toEqual(content);
    expect(await filesUnder(executionDir(run))).toEqual([artifact.file_path]);

    const download = await app.inject({ method: 'GET', url: `/api/artifacts/${artifact.id}` });
    expect(download.statusCode).toBe(200);
    expect(sha256(download.rawPayload)).toBe(artifact.sha256);
    expect(download.headers).toMatchObject({
      'content-type': 'image/png',
      'content-length': '4096',
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
      'content-disposition': `inline; filename="screen shot.PNG"; filename*=UTF-8''screen%20shot.PNG`,
    });
  });

  it('accepts the step field after the file', async () => {
    const content = Buffer.from('plain text\n');
    const response = await upload(
      run.runId,
      form([
        ['file', { name: 'notes.txt', type: 'text/plain', content }],
        ['workflow_run_step_id', run.stepIds.plan!],
      ]),
    );
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ file_type: 'text', sha256: sha256(content), size_bytes: content.length });
    expect(response.json().file_path).toMatch(/^artifacts\/plan\//);
  });

  it('publishes workflow.artifact.created for the run’s project with the step’s text id', async () => {
    const artifact = await uploadToBuild({ name: 'a.bin', content: Buffer.from([1, 2, 3]) });
    expect(bus.published).toEqual([
      {
        projectId: run.projectId,
        event: {
          id: 1,
          type: 'workflow.artifact.created',
          data: { execution_id: run.runId, step_id: 'build', artifact },
        },
      },
    ]);
  });

  it('never uses the uploaded name as a path and keeps only a plainly safe extension', async () => {
    const traversal = await uploadToBuild({
      name: '../../../../evil.HTML',
      type: 'text/html',
      content: Buffer.from('x'),
    });
    const oddExtension = await uploadToBuild({ name: 'archive.tar.gz;rm', content: Buffer.from('y') });
    const noType = await uploadToBuild({ name: 'data', type: 'not a type', content: Buffer.from('z') });

    // The multipart parser already reduces the name to its last segment; the stored path ignores it regardless.
    expect(traversal.name).toBe('evil.HTML');
    expect(traversal.file_path).toMatch(/^artifacts\/build\/[0-9a-f-]{36}\.html$/);
    expect(oddExtension.file_path).toMatch(/^artifacts\/build\/[0-9a-f-]{36}$/);
    expect(noType).toMatchObject({ mime_type: 'application/octet-stream', file_type: 'other' });
    expect((await filesUnder(executionDir(run))).sort()).toEqual(
      [traversal.file_path, oddExtension.file_path, noType.file_path].sort(),
    );
  });

  it('serves HTML and SVG as attachments with nosniff, and encodes a non-ASCII name per RFC 6266', async () => {
    const html = await uploadToBuild({ name: 'rapport é.html', type: 'text/html', content: Buffer.from('<script>') });
    const svg = await uploadToBuild({ name: 'logo.svg', type: 'image/svg+xml', content: Buffer.from('<svg/>') });
    const zip = await uploadToBuild({ name: 'out.zip', type: 'application/zip', content: Buffer.from('PK') });

    const htmlResponse = await app.inject({ method: 'GET', url: `/api/artifacts/${html.id}` });
    const svgResponse = await app.inject({ method: 'GET', url: `/api/artifacts/${svg.id}` });
    const zipResponse = await app.inject({ method: 'GET', url: `/api/artifacts/${zip.id}` });

    expect(htmlResponse.headers['content-disposition']).toBe(
      `attachment; filename="rapport _.html"; filename*=UTF-8''rapport%20%C3%A9.html`,
    );
    expect(svgResponse.headers['content-disposition']).toMatch(/^attachment; filename="logo.svg"/);
    expect(zipResponse.headers['content-disposition']).toMatch(/^attachment;/);
    expect(zip.file_type).toBe('archive');
    for (const response of [htmlResponse, svgResponse, zipResponse]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('answers byte ranges with 206, a suffix range with the file’s tail, and a range past the end with 416', async () => {
    const content = Buffer.from('0123456789');
    const artifact = await uploadToBuild({ name: 'digits.txt', type: 'text/plain', content });
    const get = (range: string) =>
      app.inject({ method: 'GET', url: `/api/artifacts/${artifact.id}`, headers: { range } });

    const middle = await get('bytes=2-5');
    expect(middle.statusCode).toBe(206);
    expect(middle.headers['content-range']).toBe('bytes 2-5/10');
    expect(middle.headers['content-length']).toBe('4');
    expect(middle.body).toBe('2345');

    const open = await get('bytes=7-');
    expect(open.statusCode).toBe(206);
    expect(open.body).toBe('789');

    const suffix = await get('bytes=-3');
    expect(suffix.statusCode).toBe(206);
    expect(suffix.headers['content-range']).toBe('bytes 7-9/10');
    expect(suffix.body).toBe('789');

    const clamped = await get('bytes=8-100');
    expect(clamped.headers['content-range']).toBe('bytes 8-9/10');

    const beyond = await get('bytes=10-');
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */10');
    expect(beyond.json().error.code).toBe('range_not_satisfiable');

    const ignored = await get('bytes=0-1,4-5');
    expect(ignored.statusCode).toBe(200);
    expect(ignored.body).toBe('0123456789');
  });

  it('uploads and downloads a 50 MB file through a listening server, streamed both ways', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-big-'));
    const server = await buildApp();
    try {
      const path = join(dir, 'big.bin');
      const expected = createHash('sha256');
      const out = createWriteStream(path);
      for (let i = 0; i < 50; i++) {
        const chunk = randomBytes(1024 * 1024);
        expected.update(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      const digest = expected.digest('hex');
      const address = await server.listen({ host: '127.0.0.1', port: 0 });

      const body = new FormData();
      body.append('workflow_run_step_id', run.stepIds.build!);
      body.append('file', await openAsBlob(path, { type: 'application/octet-stream' }), 'big.bin');
      const response = await fetch(`${address}/api/workflow-executions/${run.runId}/artifacts`, {
        method: 'POST',
        body,
      });
      expect(response.status).toBe(201);
      const artifact = (await response.json()) as { id: string };
      expect(artifact).toMatchObject({ size_bytes: 50 * 1024 * 1024, sha256: digest });

      const download = await fetch(`${address}/api/artifacts/${artifact.id}`);
      expect(download.headers.get('content-length')).toBe(String(50 * 1024 * 1024));
      const received = createHash('sha256');
      for await (const chunk of download.body!) received.update(chunk);
      expect(received.digest('hex')).toBe(digest);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file over the limit with 413 and leaves no file and no row behind', async () => {
    const small = await buildApp(1024);
    try {
      const over = await upload(
        run.runId,
        form([
          ['workflow_run_step_id', run.stepIds.build!],
          ['file', { name: 'big.bin', content: randomBytes(4096) }],
        ]),
        small,
      );
      expect(over.statusCode).toBe(413);
      expect(over.json().error.code).toBe('artifact_too_large');
      expect(await filesUnder(executionDir(run))).toEqual([]);
      expect(await artifactsOf(run)).toEqual([]);

      const atLimit = await upload(
        run.runId,
        form([
          ['file', { name: 'exact.bin', content: randomBytes(1024) }],
          ['workflow_run_step_id', run.stepIds.build!],
        ]),
        small,
      );
      expect(atLimit.statusCode).toBe(201);
      expect(bus.published.map((p) => p.event.type)).toEqual(['workflow.artifact.created']);
    } finally {
      await small.close();
    }
  });

  it('answers 410 when the artifact’s file is gone from disk', async () => {
    const artifact = await uploadToBuild({ name: 'gone.txt', content: Buffer.from('bye') });
    await unlink(join(executionDir(run), artifact.file_path));
    const response = await app.inject({ method: 'GET', url: `/api/artifacts/${artifact.id}` });
    expect(response.statusCode).toBe(410);
    expect(response.json().error.code).toBe('artifact_file_missing');
  });

  it('attaches an artifact to a comment, shows it in the comment list, and detaches it', async () => {
    const artifact = await uploadToBuild({ name: 'shot.png', type: 'image/png', content: Buffer.from('png') });
    const comment = (
      await app.inject({
        method: 'POST',
        url: `/api/workflow-executions/${run.runId}/comments`,
        payload: { text: 'see the screenshot', workflow_run_step_id: run.stepIds.build },
      })
    ).json();

    const attached = await app.inject({
      method: 'PATCH',
      url: `/api/artifacts/${artifact.id}/attach`,
      payload: { workflow_comment_id: comment.id },
    });
    expect(attached.statusCode).toBe(200);
    expect(attached.json()).toMatchObject({ id: artifact.id, workflow_comment_id: comment.id });

    const listed = await app.inject({ method: 'GET', url: `/api/workflow-executions/${run.runId}/comments` });
    expect(listed.json().data[0].artifacts).toEqual([attached.json()]);

    const detached = await app.inject({ method: 'DELETE', url: `/api/artifacts/${artifact.id}/detach` });
    expect(detached.statusCode).toBe(200);
    expect(detached.json()).toMatchObject({ id: artifact.id, workflow_comment_id: null });
    const relisted = await app.inject({ method: 'GET', url: `/api/workflow-executions/${run.runId}/comments` });
    expect(relisted.json().data[0].artifacts).toEqual([]);
  });

  it('deletes a run’s steps, comments and artifact rows with the run row', async () => {
    const artifact = await uploadToBuild({ name: 'a.txt', content: Buffer.from('a') });
    const comment = (
      await app.inject({
        method: 'POST',
        url: `/api/workflow-executions/${run.runId}/comments`,
        payload: { text: 'c' },
      })
    ).json();
    await db
      .update(workflowArtifacts)
      .set({ workflow_comment_id: comment.id })
      .where(eq(workflowArtifacts.id, artifact.id));
    const otherArtifact = (
      await upload(
        otherRun.runId,
        form([
          ['workflow_run_step_id', otherRun.stepIds.build!],
          ['file', { name: 'b.txt', content: Buffer.from('b') }],
        ]),
      )
    ).json();

    await db.delete(workflowRuns).where(eq(workflowRuns.id, run.runId));

    expect(await db.select().from(workflowRunSteps).where(eq(workflowRunSteps.workflow_run_id, run.runId))).toEqual([]);
    expect(await db.select().from(workflowComments).where(eq(workflowComments.workflow_run_id, run.runId))).toEqual([]);
    expect(await db.select().from(workflowArtifacts).where(eq(workflowArtifacts.id, artifact.id))).toEqual([]);
    expect((await artifactsOf(otherRun)).map((a) => a.id)).toEqual([otherArtifact.id]);
  });

  interface BadInput {
    name: string;
    request: () => Promise<{ statusCode: number; json(): unknown }>;
    status: number;
    code: string;
    field: string;
  }

  const someFile: [string, UploadFile] = ['file', { name: 'f.txt', content: Buffer.from('f') }];
  const attach = (artifactId: string, payload?: object) =>
    app.inject({ method: 'PATCH', url: `/api/artifacts/${artifactId}/attach`, payload });
  const withArtifact = async <T>(fn: (artifactId: string) => Promise<T>) =>
    fn((await uploadToBuild({ name: 'x.txt', content: Buffer.from('x') })).id);

  const badInputs: BadInput[] = [
    {
      name: 'an upload without the step field',
      request: () => upload(run.runId, form([someFile])),
      status: 400,
      code: 'validation_failed',
      field: 'workflow_run_step_id',
    },
    {
      name: 'an upload to a step of another run',
      request: () => upload(run.runId, form([['workflow_run_step_id', otherRun.stepIds.build!], someFile])),
      status: 400,
      code: 'validation_failed',
      field: 'workflow_run_step_id',
    },
    {
      name: 'an upload to a step that does not exist',
      request: () => upload(run.runId, form([['workflow_run_step_id', UNKNOWN_ID], someFile])),
      status: 404,
      code: 'not_found',
      field: 'workflow_run_step_id',
    },
    {
      name: 'an upload whose step id is not a uuid',
      request: () => upload(run.runId, form([['workflow_run_step_id', 'build'], someFile])),
      status: 400,
      code: 'validation_failed',
      field: 'workflow_run_step_id',
    },
    {
      name: 'an upload without a file',
      request: () => upload(run.runId, form([['workflow_run_step_id', run.stepIds.build!]])),
      status: 400,
      code: 'validation_failed',
      field: 'file',
    },
    {
      name: 'an upload with two files',
      request: () =>
        upload(
          run.runId,
          form([
            ['workflow_run_step_id', run.stepIds.build!],
            someFile,
            ['extra', { name: 'g', content: Buffer.from('g') }],
          ]),
        ),
      status: 400,
      code: 'validation_failed',
      field: 'extra',
    },
    {
      name: 'an upload that is JSON rather than multipart',
      request: () =>
        app.inject({
          method: 'POST',
          url: `/api/workflow-executions/${run.runId}/artifacts`,
          payload: { workflow_run_step_id: run.stepIds.build },
        }),
      status: 415,
      code: 'unsupported_media_type',
      field: 'file',
    },
    {
      name: 'an upload to a run id that is not a uuid',
      request: () => upload('run-1', form([['workflow_run_step_id', run.stepIds.build!], someFile])),
      status: 400,
      code: 'validation_failed',
      field: 'id',
    },
    {
      name: 'an upload to an unknown run',
      request: () => upload(UNKNOWN_ID, form([['workflow_run_step_id', run.stepIds.build!], someFile])),
      status: 404,
      code: 'not_found',
      field: 'id',
    },
    {
      name: 'a download whose id is not a uuid',
      request: () => app.inject({ method: 'GET', url: '/api/artifacts/..%2F..%2Fetc%2Fpasswd' }),
      status: 400,
      code: 'validation_failed',
      field: 'id',
    },
    {
      name: 'a download of an unknown artifact',
      request: () => app.inject({ method: 'GET', url: `/api/artifacts/${UNKNOWN_ID}` }),
      status: 404,
      code: 'not_found',
      field: 'id',
    },
    {
      name: 'an attach without a comment id',
      request: () => withArtifact((id) => attach(id, {})),
      status: 400,
      code: 'validation_failed',
      field: 'workflow_comment_id',
    },
    {
      name: 'an attach whose comment id is not a uuid',
      request: () => withArtifact((id) => attach(id, { workflow_comment_id: 12 })),
      status: 400,
      code: 'validation_failed',
      field: 'workflow_comment_id',
    },
    {
      name: 'an attach to a comment that does not exist',
      request: () => withArtifact((id) => attach(id, { workflow_comment_id: UNKNOWN_ID })),
      status: 404,
      code: 'not_found',
      field: 'workflow_comment_id',
    },
    {
      name: "an attach to another run's comment",
      request: () =>
        withArtifact(async (id) => {
          const [comment] = await db
            .insert(workflowComments)
            .values({ workflow_run_id: otherRun.runId, text: 'elsewhere', comment_type: 'user' })
            .returning();
          return attach(id, { workflow_comment_id: comment!.id });
        }),
      status: 400,
      code: 'validation_failed',
      field: 'workflow_comment_id',
    },
    {
      name: 'an attach of an unknown artifact',
      request: () => attach(UNKNOWN_ID, { workflow_comment_id: UNKNOWN_ID }),
      status: 404,
      code: 'not_found',
      field: 'id',
    },
    {
      name: 'a detach whose id is not a uuid',
      request: () => app.inject({ method: 'DELETE', url: '/api/artifacts/abc/detach' }),
      status: 400,
      code: 'validation_failed',
      field: 'id',
    },
    {
      name: 'a detach of an unknown artifact',
      request: () => app.inject({ method: 'DELETE', url: `/api/artifacts/${UNKNOWN_ID}/detach` }),
      status: 404,
      code: 'not_found',
      field: 'id',
    },
  ];

  it.each(badInputs)('refuses $name with $status naming $field', async ({ request, status, code, field }) => {
    const response = await request();
    expect(response.statusCode).toBe(status);
    const body = response.json() as { error: { code: string; details: { fields: Array<{ field: string }> } } };
    expect(body.error.code).toBe(code);
    expect(body.error.details.fields.map((f) => f.field)).toContain(field);
    // A refused upload leaves nothing on disk; only the setup's own upload may be there.
    const rows = await artifactsOf(run);
    expect((await filesUnder(executionDir(run))).length).toBe(rows.length);
  });

  it('keeps the step’s file directory free of staging leftovers after a refused upload', async () => {
    await upload(run.runId, form([someFile, ['workflow_run_step_id', otherRun.stepIds.build!]]));
    expect(await filesUnder(executionDir(run))).toEqual([]);
    expect((await stat(join(executionDir(run), 'artifacts'))).isDirectory()).toBe(true);
  });
});
