/**
 * TypeScript templates never run in the server's process before a child has loaded them: a template that spins
 * forever or calls process.exit at top level is listed invalid with the reason, `switchyard serve` still starts
 * and answers, and a valid TypeScript template's runs execute. A link out of the definitions folder is not read.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/serve.ts';
import { DATABASE_KINDS } from './databases.ts';
import { serverClient } from './serverHarness.ts';

const template = (
  name: string,
  topLevel: string,
  command = 'true',
) => `import { defineWorkflow } from '@switchyard/workflow-engine';
${topLevel}
export default defineWorkflow({
  name: '${name}',
  phases: ['work'],
  async execute(ctx) {
    await ctx.step('only', { phase: 'work', command: ${JSON.stringify(command)} });
  },
});
`;

interface DefinitionRow {
  id: string;
  identifier: string;
  error: string | null;
}

describe('a server whose templates misbehave while loading', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  it('starts, lists them invalid with the reason, and executes a valid TypeScript template', async () => {
    const secret = 'line-from-outside-the-folder';
    const projectDir = await realpath(await mkdtemp(join(tmpdir(), 'switchyard-isolation-')));
    cleanups.push(() => rm(projectDir, { recursive: true, force: true }));
    const definitions = join(projectDir, '.agent', 'workflows', 'definitions');
    await mkdir(definitions, { recursive: true });
    await writeFile(join(definitions, 'spins.ts'), template('Spins', 'while (true) {}'));
    await writeFile(join(definitions, 'exits.ts'), template('Exits', 'process.exit(0);'));
    await writeFile(join(definitions, 'fine.ts'), template('Fine', '', `echo ran > '${join(projectDir, 'ran')}'`));
    await writeFile(join(projectDir, 'outside.yaml'), `${secret}: [\n`);
    await symlink(join(projectDir, 'outside.yaml'), join(definitions, 'leak.yaml'));

    // The server starts, whatever its templates do while loading: they load in a child process.
    process.env.SWITCHYARD_TEMPLATE_TIMEOUT_MS = '6000';
    cleanups.push(async () => delete process.env.SWITCHYARD_TEMPLATE_TIMEOUT_MS);
    const lines: string[] = [];
    const database = await DATABASE_KINDS[0]!.open();
    const running = await startServer({ projectDir, port: 0, database, log: (line) => lines.push(line) });
    cleanups.push(() => running.close());
    const server = { api: serverClient(running.url, projectDir) };
    expect(lines).toContain('templates: 1 valid, 3 invalid (exits, leak, spins)');
    expect((await server.api.api('GET', '/api/health')).status).toBe(200);
    const listed = await server.api.api<{ data: DefinitionRow[] }>('GET', '/api/workflow-definitions');
    const error = (identifier: string) => listed.body.data.find((row) => row.identifier === identifier)?.error;
    expect(error('spins')).toBe(
      `${join(definitions, 'spins.ts')} loading took longer than 6000 ms (an endless loop, or a top-level await that never settles?); templates must load quickly`,
    );
    expect(error('exits')).toBe(
      `${join(definitions, 'exits.ts')}:2:9 threw while loading: process.exit(0) was called; a template must not end the process`,
    );
    expect(error('leak')).toBe(
      `${join(definitions, 'leak.yaml')} is a symbolic link to a file outside the definitions folder, which is not read`,
    );
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(error('fine')).toBeNull();

    const created = await server.api.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await server.api.definitionId('fine'),
      args: {},
    });
    expect(created.status).toBe(201);
    const run = await server.api.waitForRun(created.body.id, (r) => ['completed', 'failed'].includes(r.status));
    expect(run.status).toBe('completed');
  }, 120_000);
});
