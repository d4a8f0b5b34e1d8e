import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalUser } from '../../src/server/domain/project/services/ensureLocalUser.ts';
import { ensureProject } from '../../src/server/domain/project/services/ensureProject.ts';
import { registerErrorHandler } from '../../src/server/http/errorHandler.ts';
import { projectRoutes } from '../../src/server/routes/projects.ts';
import { DATABASE_KINDS } from './databases.ts';
import type { DatabaseKind } from './databases.ts';

describe.each(DATABASE_KINDS)('projects on $name', (kind: DatabaseKind) => {
  let handle: Awaited<ReturnType<DatabaseKind['open']>>;
  let app: FastifyInstance;
  let root: string;

  // Opening a database takes seconds when the machine's two cores are shared with other test files.
  beforeAll(async () => {
    handle = await kind.open();
    root = await realpath(await mkdtemp(join(tmpdir(), 'switchyard-projects-')));
    const home = await ensureProject({ db: handle.db }, await mkdirIn(root, 'home'));
    app = Fastify();
    registerErrorHandler(app);
    await app.register(projectRoutes, { db: handle.db, defaultProjectId: home.id });
    await app.ready();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await handle?.drop();
    await rm(root, { recursive: true, force: true });
  });

  async function mkdirIn(parent: string, name: string): Promise<string> {
    const dir = join(parent, name);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  it('names a project after its directory and finds the same row again through a symlink', async () => {
    const dir = await mkdirIn(root, 'my-app');
    const link = join(root, 'my-app-link');
    await symlink(dir, link);

    const first = await ensureProject({ db: handle.db }, dir);
    const again = await ensureProject({ db: handle.db }, link);

    expect(first).toMatchObject({ name: 'my-app', path: dir });
    expect(again.id).toBe(first.id);
  });

  it('creates the local user once however often it is asked for', async () => {
    const [first, second] = await Promise.all([ensureLocalUser({ db: handle.db }), ensureLocalUser({ db: handle.db })]);
    const third = await ensureLocalUser({ db: handle.db });

    expect(first.username).toBe('local');
    expect(second.id).toBe(first.id);
    expect(third.id).toBe(first.id);
  });

  it('creates a project for an existing directory with 201, naming it after the directory by default', async () => {
    const dir = await mkdirIn(root, 'created-by-api');

    const response = await app.inject({ method: 'POST', url: '/api/projects', payload: { path: dir } });

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ name: 'created-by-api', path: dir });
    expect(response.json().id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json().created_at).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  });

  it('answers 200 with the existing project when the path is already registered', async () => {
    const dir = await mkdirIn(root, 'registered-twice');
    const created = await app.inject({ method: 'POST', url: '/api/projects', payload: { path: dir, name: 'First' } });

    const again = await app.inject({ method: 'POST', url: '/api/projects', payload: { path: dir, name: 'Second' } });

    expect(created.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: created.json().id, name: 'First' });
  });

  it('lists every project with its snake_case columns', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/projects' });

    expect(response.statusCode).toBe(200);
    const names = response.json().data.map((project: { name: string }) => project.name);
    expect(names).toEqual(expect.arrayContaining(['home', 'my-app', 'created-by-api', 'First']));
    expect(Object.keys(response.json().data[0]).sort()).toEqual(['created_at', 'id', 'name', 'path', 'updated_at']);
  });

  const badBodies: { case: string; body: () => unknown; field: string; message: RegExp }[] = [
    { case: 'a missing path', body: () => ({}), field: 'path', message: /path/ },
    { case: 'an empty path', body: () => ({ path: '' }), field: 'path', message: /path/ },
    { case: 'a relative path', body: () => ({ path: 'some/dir' }), field: 'path', message: /absolute/ },
    { case: 'a path that is not a string', body: () => ({ path: 42 }), field: 'path', message: /path/ },
    {
      case: 'a directory that does not exist',
      body: () => ({ path: join(root, 'nowhere') }),
      field: 'path',
      message: /not an existing directory/,
    },
    {
      case: 'a path that is a file',
      body: () => ({ path: join(root, 'a-file.txt') }),
      field: 'path',
      message: /not an existing directory/,
    },
    { case: 'a blank name', body: () => ({ path: root, name: '   ' }), field: 'name', message: /name/ },
    { case: 'an unknown key', body: () => ({ path: root, pth: root }), field: '', message: /pth/ },
  ];

  it.each(badBodies)('rejects $case with a 400 naming the field', async ({ body, field, message }) => {
    await writeFile(join(root, 'a-file.txt'), 'not a directory');

    const response = await app.inject({ method: 'POST', url: '/api/projects', payload: body() as object });

    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
    expect(response.json().error.message).toMatch(message);
    expect(response.json().error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('does not register a project when its directory is rejected', async () => {
    await app.inject({ method: 'POST', url: '/api/projects', payload: { path: join(root, 'nowhere') } });

    const listed = (await app.inject({ method: 'GET', url: '/api/projects' })).json().data;

    expect(listed.map((project: { path: string }) => basename(project.path))).not.toContain('nowhere');
  });
});
