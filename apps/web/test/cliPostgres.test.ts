/** The command line on PostgreSQL: with DATABASE_URL set, commands open it directly, and no embedded database. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cli, EXAMPLES_DIR, tempProject } from './cliHarness.ts';
import { killProcesses, startServerProcess } from './processes.ts';
import { createPostgresDatabase, DATABASE_KINDS, TEST_DATABASE_URL, withDatabase } from './server/databases.ts';

// databases.ts has already said so, visibly, when PostgreSQL is unreachable (and failed under CI=true).
const postgresReachable = DATABASE_KINDS.some((kind) => kind.name === 'postgres');

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

describe.skipIf(!postgresReachable)('command line on PostgreSQL', { timeout: 120_000 }, () => {
  it('runs a template and shows the run with DATABASE_URL set', async () => {
    const name = `switchyard_cli_test_${randomBytes(6).toString('hex')}`;
    await admin(`create database ${name}`);
    try {
      const project = await tempProject();
      const env = { DATABASE_URL: withDatabase(TEST_DATABASE_URL, name) };
      const result = await cli(['run', join(EXAMPLES_DIR, 'simple-pipeline.yaml'), '--json'], { cwd: project, env });
      expect(result.code, result.stderr).toBe(0);
      const run = JSON.parse(result.stdout) as { id: string; status: string };
      expect(run.status).toBe('completed');

      const status = await cli(['status', run.id, '--json'], { cwd: project, env });
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toEqual(run);
      expect(existsSync(join(project, '.agent', 'db'))).toBe(false);
    } finally {
      await admin(`drop database if exists ${name} with (force)`);
    }
  });

  it("sends a run's events to the WebSocket clients of a server on the same database", async () => {
    const database = await createPostgresDatabase();
    try {
      const project = await tempProject();
      const env = { DATABASE_URL: database.url };
      const server = await startServerProcess(project, env, ['--no-workers']);
      const projects = (await (await fetch(`${server.url}/api/projects`)).json()) as { data: { id: string }[] };
      const frames: { type: string; data?: { execution_id?: string; step_id?: string; status?: string } }[] = [];
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
      socket.on('message', (raw) => frames.push(JSON.parse(String(raw)) as (typeof frames)[number]));
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.send(JSON.stringify({ type: 'subscribe', project_id: projects.data[0]!.id }));

      const result = await cli(['run', join(EXAMPLES_DIR, 'simple-pipeline.yaml'), '--json'], { cwd: project, env });
      expect(result.code, result.stderr).toBe(0);
      const runId = (JSON.parse(result.stdout) as { id: string }).id;
      const deadline = Date.now() + 30_000;
      while (!frames.some((f) => f.data?.execution_id === runId && f.data.status === 'completed')) {
        if (Date.now() > deadline) throw new Error(`no completion event: ${JSON.stringify(frames)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      socket.close();
      const ofRun = frames.filter((f) => f.data?.execution_id === runId);
      expect(ofRun.filter((f) => f.type === 'workflow.step.completed').map((f) => f.data!.step_id)).toEqual([
        'build',
        'unit-tests',
        'deploy',
      ]);
      expect(ofRun.at(-1)).toMatchObject({ type: 'workflow.execution.status_changed', data: { status: 'completed' } });
    } finally {
      await killProcesses();
      await database.drop();
    }
  });
});
