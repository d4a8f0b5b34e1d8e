/**
 * Templates are inspected in a child process with a time limit, and imported here only once a child has loaded
 * the same content: a template that spins, exits or crashes while loading is invalid with the reason, and this
 * process stays responsive. Real child processes throughout.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ArgsValidationError, TemplateError } from '../../src/errors.ts';
import { discoverTemplates, inspectTemplate, loadCheckedTemplate } from '../../src/parser/templateInspector.ts';

const fixtures = path.join(import.meta.dirname, '../fixtures');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchyard-inspect-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const template = (name: string, topLevel = '') =>
  [
    "import { z } from 'zod';",
    "import { defineWorkflow } from '@switchyard/workflow-engine';",
    topLevel,
    'export default defineWorkflow({',
    `  name: '${name}',`,
    "  phases: ['work'],",
    '  args: z.object({ count: z.number().default(1) }),',
    '  async execute() {},',
    '});',
    '',
  ].join('\n');

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function inspectionError(file: string, timeoutMs = 2_000): Promise<TemplateError> {
  const error = await inspectTemplate(file, { timeoutMs }).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(error instanceof TemplateError)) throw new Error(`expected a TemplateError, got ${String(error)}`);
  return error;
}

describe('a TypeScript template inspected in a child process', () => {
  test('answers its snapshot, and args validated by its schema with defaults applied', async () => {
    const file = await write('fine.ts', template('Fine'));
    const inspection = await inspectTemplate(file, { args: {} });
    expect(inspection.snapshot).toMatchObject({ id: 'fine', name: 'Fine', phases: [{ id: 'work', label: 'Work' }] });
    expect(inspection.args).toEqual({ value: { count: 1 } });
    await expect(inspectTemplate(file, { args: { count: 'x' } })).rejects.toThrow(ArgsValidationError);
  });

  test('imports a content once for the starts that validate args with it, and afresh for a listing', async () => {
    const imports = path.join(dir, 'imports.log');
    const file = await write(
      'started.ts',
      template(
        'Started',
        `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(imports)}, 'x');`,
      ),
    );
    const importCount = async () => (await readFile(imports, 'utf8')).length;
    // One after another: each takes the child the previous one left idle.
    for (const count of [1, 2, 3])
      expect((await inspectTemplate(file, { args: { count } })).args).toEqual({ value: { count } });
    expect(await importCount()).toBe(1);
    await inspectTemplate(file);
    expect(await importCount()).toBe(2);
  });

  test('that spins forever at top level is invalid with the reason, and this process is not held up', async () => {
    const file = await write('spins.ts', template('Spins', 'while (true) {}'));
    let turns = 0;
    const inspecting = inspectionError(file, 1_000);
    // The event loop goes round while the child spins.
    await setImmediate();
    turns++;
    const error = await inspecting;
    expect(turns).toBe(1);
    expect(error.message).toBe(
      `${file} loading took longer than 1000 ms (an endless loop, or a top-level await that never settles?); templates must load quickly`,
    );
  });

  test('that calls process.exit at top level is invalid with the reason', async () => {
    const file = await write('exits.ts', template('Exits', 'process.exit(0);'));
    expect((await inspectionError(file)).message).toBe(
      `${file}:3:9 threw while loading: process.exit(0) was called; a template must not end the process`,
    );
  });

  test('that kills its own process is invalid with the reason', async () => {
    const file = await write('kills.ts', template('Kills', "process.kill(process.pid, 'SIGKILL');"));
    expect((await inspectionError(file)).message).toBe(
      `${file} the process loading it was killed by SIGKILL; a template must not end or crash the process`,
    );
  });
});

describe('loadCheckedTemplate', () => {
  test('imports a template here only after a child loaded it: one that spins is refused, not imported', async () => {
    const file = await write('spins-here.ts', template('Spins here', 'while (true) {}'));
    await expect(loadCheckedTemplate(file, { timeoutMs: 500 })).rejects.toThrow(/loading took longer than 500 ms/);
  });

  test('compiles a content once: two pinned copies of one template share one module', async () => {
    const counted = template('Counted', 'const g = globalThis as { loads?: number };\ng.loads = (g.loads ?? 0) + 1;');
    const copies = await Promise.all(
      ['a', 'b'].map(async (run) => {
        await mkdir(path.join(dir, run), { recursive: true });
        return write(path.join(run, 'counted.ts'), counted);
      }),
    );
    const first = await loadCheckedTemplate(copies[0]!);
    const second = await loadCheckedTemplate(copies[1]!);
    expect([first.name, second.name]).toEqual(['Counted', 'Counted']);
    expect(second.source.path).toBe(copies[1]);
    expect((globalThis as { loads?: number }).loads).toBe(1);
  });
});

describe('discoverTemplates', () => {
  test('lists valid templates and each invalid one with its error, a spinning one among them', async () => {
    const definitions = path.join(dir, 'definitions');
    await mkdir(definitions);
    await mkdir(path.join(definitions, 'folder.yaml'));
    await copyFile(path.join(fixtures, 'templates/fix-bug.yaml'), path.join(definitions, 'fix-bug.yaml'));
    await copyFile(
      path.join(fixtures, 'templates/implement-feature.ts'),
      path.join(definitions, 'implement-feature.ts'),
    );
    await copyFile(
      path.join(fixtures, 'malformed/undeclared-phase.yaml'),
      path.join(definitions, 'b-undeclared-phase.yaml'),
    );
    await copyFile(
      path.join(fixtures, 'malformed/no-default-export.ts'),
      path.join(definitions, 'a-no-default-export.ts'),
    );
    await writeFile(path.join(definitions, 'c-spins.ts'), template('Spins', 'while (true) {}'));
    await writeFile(path.join(definitions, 'README.md'), '# not a template\n');
    await writeFile(path.join(definitions, 'types.d.ts'), 'export {};\n');

    const result = await discoverTemplates(definitions, { timeoutMs: 6_000 });
    expect(result.templates.map((snapshot) => snapshot.id)).toEqual(['fix-bug', 'implement-feature']);
    expect(result.invalid.map(({ file }) => path.basename(file))).toEqual([
      'a-no-default-export.ts',
      'b-undeclared-phase.yaml',
      'c-spins.ts',
    ]);
    expect(result.invalid[1]!.error.message).toContain('b-undeclared-phase.yaml:14:12 steps[2].phase');
    expect(result.invalid[2]!.error.message).toContain('c-spins.ts loading took longer than 6000 ms');
  });

  test('reads a link to a template in the folder, and not one to a file outside it', async () => {
    const definitions = path.join(dir, 'linked');
    await mkdir(definitions);
    const outside = await write('secret.yaml', 'root:x:0:0:the secret line\n');
    await copyFile(path.join(fixtures, 'templates/fix-bug.yaml'), path.join(definitions, 'fix-bug.yaml'));
    await symlink(path.join(definitions, 'fix-bug.yaml'), path.join(definitions, 'alias.yaml'));
    await symlink(outside, path.join(definitions, 'leak.yaml'));
    const result = await discoverTemplates(definitions);
    expect(result.templates.map((snapshot) => snapshot.id)).toEqual(['alias', 'fix-bug']);
    expect(result.invalid.map(({ error }) => error.message)).toEqual([
      `${path.join(definitions, 'leak.yaml')} is a symbolic link to a file outside the definitions folder, which is not read`,
    ]);
  });

  test('of a missing folder lists nothing', async () => {
    expect(await discoverTemplates(path.join(dir, 'nowhere'))).toEqual({ templates: [], invalid: [] });
  });
});
