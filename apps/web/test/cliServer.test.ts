/**
 * The command line and the server on one project: one database, so each sees the other's runs. While a server
 * holds the embedded database, the command line goes through its HTTP API.
 */
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startServer } from '../src/server/serve.ts';
import type { RunningServer } from '../src/server/serve.ts';
import { cli, EXAMPLES_DIR, tempProject } from './cliHarness.ts';

interface ApiRun {
  id: string;
  status: string;
  workflow_definition: { identifier: string; path: string };
}

async function projectWithSimplePipeline(): Promise<string> {
  const template = await readFile(join(EXAMPLES_DIR, 'simple-pipeline.yaml'), 'utf8');
  return tempProject({ 'simple-pipeline.yaml': template });
}

const startQuietServer = (projectDir: string) => startServer({ projectDir, port: 0, log: () => undefined });

async function apiRun(server: RunningServer, id: string): Promise<ApiRun> {
  return (await server.app.inject({ method: 'GET', url: `/api/workflow-executions/${id}` })).json<ApiRun>();
}

describe('command line and server', { timeout: 120_000 }, () => {
  it('a run started from the command line is listed by a server started afterwards, and one started through the API by the command line', async () => {
    const project = await projectWithSimplePipeline();
    const fromCli = await cli(['run', 'simple-pipeline', '--json'], { cwd: project });
    expect(fromCli.code, fromCli.stderr).toBe(0);
    const cliRunId = (JSON.parse(fromCli.stdout) as { id: string }).id;

    const server = await startQuietServer(project);
    let apiRunId: string;
    try {
      const listed = await server.app.inject({ method: 'GET', url: '/api/workflow-executions' });
      const runs = listed.json<{ data: ApiRun[] }>().data;
      expect(runs.map((r) => [r.id, r.status])).toEqual([[cliRunId, 'completed']]);
      // Linked to the template's synced row, as a run started from the board is.
      expect(runs[0]!.workflow_definition.path).toBe(
        join(await realpath(project), '.agent', 'workflows', 'definitions', 'simple-pipeline.yaml'),
      );

      const definitions = await server.app.inject({ method: 'GET', url: '/api/workflow-definitions' });
      const [definition] = definitions.json<{ data: { id: string }[] }>().data;
      const created = await server.app.inject({
        method: 'POST',
        url: '/api/workflow-executions',
        payload: { workflow_definition_id: definition!.id },
      });
      expect(created.statusCode, created.body).toBe(201);
      apiRunId = created.json<ApiRun>().id;
      while ((await apiRun(server, apiRunId)).status !== 'completed') await sleep(100);
    } finally {
      await server.close();
    }

    const list = await cli(['list', '--json'], { cwd: project });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string; status: string }[]).map((r) => [r.id, r.status])).toEqual([
      [apiRunId, 'completed'],
      [cliRunId, 'completed'],
    ]);
  });

  it('goes through the HTTP API of a server holding the embedded database: run --json, run --follow and status', async () => {
    const project = await projectWithSimplePipeline();
    const server = await startQuietServer(project);
    try {
      // The server holds the data directory's lock: the command line cannot open the database, only ask the server.
      const result = await cli(['run', 'simple-pipeline', '--arg', 'environment=production', '--json'], {
        cwd: project,
      });
      expect(result.code, result.stderr).toBe(0);
      const run = JSON.parse(result.stdout);
      expect(run).toMatchObject({ status: 'completed', template: 'simple-pipeline', phase: 'deploy' });
      expect(run.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual([
        'build:completed',
        'unit-tests:completed',
        'deploy:completed',
      ]);
      expect(run.steps[2].output.stdout).toBe('deployed app-1.0.0.tgz to production\n');
      expect((await apiRun(server, run.id)).status).toBe('completed');

      const status = await cli(['status', run.id], { cwd: project });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain(`${run.id}  Simple pipeline (simple-pipeline)\n  status: completed`);

      const followed = await cli(['run', 'simple-pipeline', '--follow'], { cwd: project });
      expect(followed.code, followed.stderr).toBe(0);
      // Live over the server's WebSocket, as a run executed here prints: phases, steps, script output.
      expect(followed.stdout).toMatch(
        /── build\n {2}▶ Build \(script\)\n {4}│ \{"artifact":"app-1\.0\.0\.tgz"\}\n {2}✓ build completed \d+ ms\n/,
      );
      expect(followed.stdout).toContain('    │ deployed app-1.0.0.tgz to staging\n  ✓ deploy completed');
      expect(followed.stdout).toMatch(/● completed\ncompleted in .* — run [0-9a-f-]{36}\n/);

      const outside = await cli(['run', join(EXAMPLES_DIR, 'simple-pipeline.yaml')], { cwd: project });
      expect(outside.code).toBe(2);
      expect(outside.stderr).toContain('copy it into .agent/workflows/definitions/ and run it by name');

      const migrate = await cli(['migrate'], { cwd: project });
      expect(migrate.code, migrate.stderr).toBe(0);
      expect(migrate.stdout).toContain(`migrations were applied by the server at ${server.url}`);
    } finally {
      await server.close();
    }
  });
});
