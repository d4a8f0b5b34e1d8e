import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TemplateError } from '../../src/errors.ts';
import { discoverTemplates, loadTemplate } from '../../src/parser/loadTemplate.ts';

const fixtures = path.join(import.meta.dirname, '../fixtures');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchyard-discover-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('loadTemplate dispatches by extension', async () => {
  expect((await loadTemplate(path.join(fixtures, 'templates/fix-bug.yaml'))).source.type).toBe('yaml');
  expect((await loadTemplate(path.join(fixtures, 'templates/implement-feature.ts'))).source.type).toBe('code');
  const yml = path.join(dir, 'short.yml');
  await writeFile(yml, 'name: Short\nphases: [a]\nsteps:\n  - { id: x, phase: a, command: make }\n');
  expect((await loadTemplate(yml)).id).toBe('short');
});

test('a missing file and an unsupported extension are TemplateErrors naming the path', async () => {
  await expect(loadTemplate(path.join(dir, 'missing.yaml'))).rejects.toThrow(
    `${path.join(dir, 'missing.yaml')} template file not found`,
  );
  await expect(loadTemplate('notes.txt')).rejects.toThrow(
    new TemplateError([
      { file: 'notes.txt', path: '', message: 'is not a template: expected one of .ts, .mts, .yaml, .yml, found .txt' },
    ]),
  );
});

test('discoverTemplates lists valid templates and each invalid one with its error', async () => {
  const definitions = path.join(dir, 'definitions');
  await mkdir(definitions);
  await mkdir(path.join(definitions, 'folder.yaml'));
  await copyFile(path.join(fixtures, 'templates/fix-bug.yaml'), path.join(definitions, 'fix-bug.yaml'));
  await copyFile(path.join(fixtures, 'templates/implement-feature.ts'), path.join(definitions, 'implement-feature.ts'));
  await copyFile(
    path.join(fixtures, 'malformed/undeclared-phase.yaml'),
    path.join(definitions, 'b-undeclared-phase.yaml'),
  );
  await copyFile(
    path.join(fixtures, 'malformed/no-default-export.ts'),
    path.join(definitions, 'a-no-default-export.ts'),
  );
  await writeFile(path.join(definitions, 'README.md'), '# not a template\n');
  await writeFile(path.join(definitions, 'types.d.ts'), 'export {};\n');

  const result = await discoverTemplates(definitions);
  expect(result.definitions.map((definition) => definition.id)).toEqual(['fix-bug', 'implement-feature']);
  expect(result.invalid.map(({ file }) => path.basename(file))).toEqual([
    'a-no-default-export.ts',
    'b-undeclared-phase.yaml',
  ]);
  expect(result.invalid[1]!.error.message).toContain('b-undeclared-phase.yaml:14:12 steps[2].phase');
});

test('discoverTemplates of a missing folder lists nothing', async () => {
  expect(await discoverTemplates(path.join(dir, 'nowhere'))).toEqual({ definitions: [], invalid: [] });
});
