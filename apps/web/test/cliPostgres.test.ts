/** The command line on PostgreSQL: with DATABASE_URL set, commands open it directly, and no embedded database. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { cli, EXAMPLES_DIR, tempProject } from './cliHarness.ts';
import { DATABASE_KINDS, TEST_DATABASE_URL, withDatabase } from './server/databases.ts';

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
});
