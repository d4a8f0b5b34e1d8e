import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TemplateError } from '../../src/errors.ts';
import { loadTemplate } from '../../src/parser/loadTemplate.ts';

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
