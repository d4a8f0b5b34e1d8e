import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, realpath, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { workflowDefinitions } from '../../src/server/db/schema.ts';
import { projectLayout } from '../../src/server/domain/project/projectLayout.ts';
import { ensureProject } from '../../src/server/domain/project/services/ensureProject.ts';
import type { Project } from '../../src/server/domain/project/services/ensureProject.ts';
import {
  syncTemplates,
  TEMPLATE_FILE_REMOVED,
  watchTemplates,
} from '../../src/server/domain/workflow-definition/services/syncTemplates.ts';
import { registerErrorHandler } from '../../src/server/http/errorHandler.ts';
import { workflowDefinitionRoutes } from '../../src/server/routes/workflow-definitions.ts';
import { DATABASE_KINDS } from './databases.ts';
import type { DatabaseKind } from './databases.ts';

const EXAMPLES = fileURLToPath(new URL('../../../../.agent/workflows/definitions/', import.meta.url));

const BROKEN_YAML = `name: Broken
phases: [build]
steps:
  - id: ship
    name: Ship
    phase: deploy
    type: script
    command: ['true']
`;

/** A valid one-step YAML template. */
const minimal = (name: string) =>
  `name: ${name}\nphases: [a]\nsteps:\n  - { id: only, name: Only, phase: a, type: script, command: ['true'] }\n`;

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describe.each(DATABASE_KINDS)('templates on $name', (kind: DatabaseKind) => {
  let handle: Awaited<ReturnType<DatabaseKind['open']>>;
  let app: FastifyInstance;
  let project: Project;
  let otherProject: Project;
  let definitionsDir: string;
  const stops: (() => void)[] = [];
  const dirs: string[] = [];

  const rows = async (projectId = project.id) =>
    handle.db.select().from(workflowDefinitions).where(eq(workflowDefinitions.project_id, projectId));
  const row = async (identifier: string) => (await rows()).find((r) => r.identifier === identifier);

  // Opening a database takes seconds when the machine's two cores are shared with other test files.
  beforeAll(async () => {
    handle = await kind.open();
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'switchyard-templates-')));
    const other = await realpath(await mkdtemp(join(tmpdir(), 'switchyard-templates-other-')));
    dirs.push(dir, other);
    project = await ensureProject({ db: handle.db }, dir);
    otherProject = await ensureProject({ db: handle.db }, other);
    definitionsDir = projectLayout(dir).definitionsDir;
    await mkdir(definitionsDir, { recursive: true });
    await copyFile(join(EXAMPLES, 'simple-pipeline.yaml'), join(definitionsDir, 'simple-pipeline.yaml'));
    await copyFile(join(EXAMPLES, 'implement-feature.ts'), join(definitionsDir, 'implement-feature.ts'));
    await writeFile(join(definitionsDir, 'broken.yaml'), BROKEN_YAML);

    app = Fastify();
    registerErrorHandler(app);
    await app.register(workflowDefinitionRoutes, { db: handle.db, defaultProjectId: project.id });
    await app.ready();
  }, 60_000);

  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  afterAll(async () => {
    await app?.close();
    await handle?.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('upserts one row per template file, the invalid one with an error naming file and line', async () => {
    const result = await syncTemplates({ db: handle.db }, project);

    expect(result).toEqual({ valid: ['implement-feature', 'simple-pipeline'], invalid: ['broken'], removed: [] });
    const yaml = await row('simple-pipeline');
    expect(yaml).toMatchObject({
      name: 'Simple pipeline',
      description: 'Build, test and deploy with script steps.',
      type: 'yaml',
      path: join(definitionsDir, 'simple-pipeline.yaml'),
      phases: [
        { id: 'build', label: 'Build' },
        { id: 'test', label: 'Test' },
        { id: 'deploy', label: 'Deploy' },
      ],
      content_hash: sha256(await readFile(join(definitionsDir, 'simple-pipeline.yaml'))),
      is_template: true,
      error: null,
    });
    expect(yaml?.args_schema).toMatchObject({ properties: { environment: { default: 'staging' } } });
    const code = await row('implement-feature');
    expect(code).toMatchObject({ name: 'Implement feature', type: 'code', error: null });
    expect((code?.phases as { id: string }[]).map((p) => p.id)).toEqual(['research', 'plan', 'implement', 'test']);
    expect(code?.args_schema).toMatchObject({ required: ['feature'] });
    const broken = await row('broken');
    expect(broken).toMatchObject({
      name: 'broken.yaml',
      type: 'yaml',
      phases: [],
      content_hash: sha256(BROKEN_YAML),
      is_template: true,
    });
    expect(broken?.error).toMatch(/broken\.yaml:6:\d+ steps\[0\]\.phase: "deploy" is not a declared phase/);
  });

  it('updates the hash and fields of an edited template on re-sync, keeping its row id', async () => {
    const file = join(definitionsDir, 'simple-pipeline.yaml');
    const before = await row('simple-pipeline');
    const edited = (await readFile(file, 'utf8')).replace('name: Simple pipeline', 'name: Simple pipeline v2');
    await writeFile(file, edited);

    const result = await syncTemplates({ db: handle.db }, project);

    const after = await row('simple-pipeline');
    expect(result.valid).toContain('simple-pipeline');
    expect(after?.id).toBe(before?.id);
    expect(after?.name).toBe('Simple pipeline v2');
    expect(after?.content_hash).toBe(sha256(edited));
    expect(after?.content_hash).not.toBe(before?.content_hash);
  });

  it('clears the error of an invalid template once its file is fixed', async () => {
    await writeFile(join(definitionsDir, 'broken.yaml'), BROKEN_YAML.replace('phase: deploy', 'phase: build'));

    const result = await syncTemplates({ db: handle.db }, project);

    expect(result.invalid).toEqual([]);
    expect(await row('broken')).toMatchObject({ name: 'Broken', error: null, phases: [{ id: 'build' }] });
  });

  it('keeps the row of a removed template file and marks it, then revives it when the file returns', async () => {
    const file = join(definitionsDir, 'broken.yaml');
    const saved = await readFile(file);
    await unlink(file);

    const removed = await syncTemplates({ db: handle.db }, project);
    const marked = await row('broken');
    await writeFile(file, saved);
    const back = await syncTemplates({ db: handle.db }, project);

    expect(removed.removed).toEqual(['broken']);
    expect(marked?.error).toBe(TEMPLATE_FILE_REMOVED);
    expect(back.removed).toEqual([]);
    expect((await row('broken'))?.error).toBeNull();
  });

  it('marks a removed template only once', async () => {
    await writeFile(join(definitionsDir, 'short-lived.yaml'), minimal('Short lived'));
    await syncTemplates({ db: handle.db }, project);
    await unlink(join(definitionsDir, 'short-lived.yaml'));

    const first = await syncTemplates({ db: handle.db }, project);
    const second = await syncTemplates({ db: handle.db }, project);

    expect(first.removed).toEqual(['short-lived']);
    expect(second.removed).toEqual([]);
  });

  it('gives a YAML and a TS template with the same id one row whose error names both files', async () => {
    await writeFile(join(definitionsDir, 'twin.yaml'), minimal('Twin'));
    await copyFile(join(EXAMPLES, 'implement-feature.ts'), join(definitionsDir, 'twin.ts'));

    const result = await syncTemplates({ db: handle.db }, project);
    await unlink(join(definitionsDir, 'twin.yaml'));
    await unlink(join(definitionsDir, 'twin.ts'));

    expect(result.invalid).toContain('twin');
    expect((await row('twin'))?.error).toMatch(/twin\.ts, twin\.yaml/);
  });

  it('picks up a new template file while watching, and reports the re-sync', async () => {
    const changes: string[][] = [];
    stops.push(watchTemplates({ db: handle.db }, project, (result) => changes.push(result.valid)));

    await writeFile(join(definitionsDir, 'watched.yaml'), minimal('Watched'));

    // The row is written before the sync finishes and reports, so wait for both.
    await vi.waitFor(
      async () => {
        expect((await row('watched'))?.name).toBe('Watched');
        expect(changes.some((valid) => valid.includes('watched'))).toBe(true);
      },
      { timeout: 5_000 },
    );
  });

  it('creates a missing definitions folder to watch, and survives the folder being deleted and restored', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'switchyard-watch-')));
    dirs.push(dir);
    const watched = await ensureProject({ db: handle.db }, dir);
    const folder = projectLayout(dir).definitionsDir;
    const errors: unknown[] = [];
    stops.push(watchTemplates({ db: handle.db, reportError: (error) => errors.push(error) }, watched));
    await writeFile(join(folder, 'one.yaml'), minimal('One'));
    await vi.waitFor(async () => expect((await rows(watched.id)).map((r) => r.identifier)).toEqual(['one']), {
      timeout: 5_000,
    });

    await rename(folder, `${folder}-gone`);
    await vi.waitFor(async () => expect((await rows(watched.id))[0]?.error).toBe(TEMPLATE_FILE_REMOVED), {
      timeout: 5_000,
    });
    await rename(`${folder}-gone`, folder);
    await writeFile(join(folder, 'two.yaml'), minimal('Two'));

    await vi.waitFor(
      async () => {
        const current = await rows(watched.id);
        expect(current.map((r) => [r.identifier, r.error]).sort()).toEqual([
          ['one', null],
          ['two', null],
        ]);
      },
      { timeout: 10_000 },
    );
    expect(errors).toEqual([]);
  });

  it('lists the default project’s templates ordered by name, invalid ones included', async () => {
    await writeFile(join(definitionsDir, 'broken.yaml'), BROKEN_YAML);
    await syncTemplates({ db: handle.db }, project);

    const response = await app.inject({ method: 'GET', url: '/api/workflow-definitions' });

    expect(response.statusCode).toBe(200);
    const data: { name: string; valid: boolean; error: string | null; project_id: string }[] = response.json().data;
    const names = data.map((d) => d.name);
    const lower = names.map((name) => name.toLowerCase());
    expect(lower).toEqual([...lower].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(names.indexOf('broken.yaml')).toBeLessThan(names.indexOf('Implement feature'));
    expect(data.find((d) => d.name === 'broken.yaml')).toMatchObject({ valid: false, error: expect.any(String) });
    expect(data.find((d) => d.name === 'Simple pipeline v2')).toMatchObject({ valid: true, error: null });
    expect(data.every((d) => d.project_id === project.id)).toBe(true);
  });

  it('lists another project’s templates when project_id names it', async () => {
    await mkdir(projectLayout(otherProject.path).definitionsDir, { recursive: true });
    await writeFile(join(projectLayout(otherProject.path).definitionsDir, 'elsewhere.yaml'), minimal('Elsewhere'));
    await syncTemplates({ db: handle.db }, otherProject);

    const response = await app.inject({ url: `/api/workflow-definitions?project_id=${otherProject.id}` });

    expect(response.statusCode).toBe(200);
    expect(response.json().data.map((d: { identifier: string }) => d.identifier)).toEqual(['elsewhere']);
  });

  it('gets one definition by id with its phases and args schema', async () => {
    const stored = await row('simple-pipeline');

    const response = await app.inject({ url: `/api/workflow-definitions/${stored!.id}` });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: stored!.id,
      identifier: 'simple-pipeline',
      type: 'yaml',
      content_hash: stored!.content_hash,
      phases: [{ id: 'build' }, { id: 'test' }, { id: 'deploy' }],
      args_schema: { type: 'object' },
      valid: true,
    });
  });

  const badRequests = [
    {
      case: 'a malformed project_id',
      url: '/api/workflow-definitions?project_id=nope',
      status: 400,
      field: 'project_id',
    },
    { case: 'an empty project_id', url: '/api/workflow-definitions?project_id=', status: 400, field: 'project_id' },
    {
      case: 'an unknown project_id',
      url: '/api/workflow-definitions?project_id=7d444840-9dc0-41c4-8b1d-1d2a2b3c4d5e',
      status: 404,
      field: null,
    },
    { case: 'a malformed id', url: '/api/workflow-definitions/123', status: 400, field: 'id' },
    {
      case: 'an unknown id',
      url: '/api/workflow-definitions/7d444840-9dc0-41c4-8b1d-1d2a2b3c4d5e',
      status: 404,
      field: null,
    },
  ];

  it.each(badRequests)('answers $case with $status', async ({ url, status, field }) => {
    const response = await app.inject({ url });

    expect(response.statusCode).toBe(status);
    const { error } = response.json();
    if (field) {
      expect(error.code).toBe('validation_failed');
      expect(error.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    } else {
      expect(error.code).toBe('not_found');
      expect(error.message).toContain('7d444840-9dc0-41c4-8b1d-1d2a2b3c4d5e');
    }
  });
});
