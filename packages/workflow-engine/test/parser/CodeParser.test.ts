import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TemplateError } from '../../src/errors.ts';
import { loadCodeTemplate } from '../../src/parser/CodeParser.ts';
import { validateArgs } from '../../src/parser/WorkflowDefinition.ts';
import { recordingContext } from './recordingContext.ts';

const IMPLEMENT_FEATURE = path.join(import.meta.dirname, '../fixtures/templates/implement-feature.ts');

let dir: string;
beforeAll(async () => {
  // A folder outside the repository, with no node_modules: imports must resolve to the engine's own copies.
  dir = await mkdtemp(path.join(tmpdir(), 'switchyard-template-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(file: string): Promise<TemplateError> {
  const error = await loadCodeTemplate(file).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TemplateError);
  return error as TemplateError;
}

describe('a TypeScript template', () => {
  test('loads into a definition: id from the file name, source hash, phases, args JSON schema', async () => {
    const definition = await loadCodeTemplate(IMPLEMENT_FEATURE);
    expect(definition.id).toBe('implement-feature');
    expect(definition.name).toBe('Implement a feature');
    expect(definition.source).toEqual({
      type: 'code',
      path: IMPLEMENT_FEATURE,
      contentHash: createHash('sha256')
        .update(await readFile(IMPLEMENT_FEATURE, 'utf8'))
        .digest('hex'),
    });
    expect(definition.phases).toEqual([
      { id: 'research', label: 'Research' },
      { id: 'plan', label: 'Plan', gate: 'manual' },
      { id: 'implement', label: 'Implement' },
      { id: 'test', label: 'Test' },
    ]);
    expect(definition.workspace).toBe('worktree');
    expect(definition.budget).toEqual({ maxCostUsd: 5 });
    expect(definition.declaredSteps).toBeUndefined();
    expect(definition.args.jsonSchema).toMatchObject({
      type: 'object',
      properties: {
        feature: { type: 'string', description: 'What to build' },
        attempts: { type: 'integer', default: 2 },
        mode: { enum: ['safe', 'fast'], default: 'safe' },
      },
      required: ['feature'],
    });
  });

  test('execute runs the template code against the context it is given', async () => {
    const definition = await loadCodeTemplate(IMPLEMENT_FEATURE);
    const { ctx, calls } = recordingContext({ research: { text: 'notes' } });
    const output = await definition.execute(ctx, validateArgs(definition, { feature: 'dark mode' }));
    expect(calls).toEqual([
      {
        kind: 'step',
        id: 'research',
        spec: { type: 'agent', agent: 'claude', phase: 'research', prompt: 'Research how to build: dark mode' },
      },
      { kind: 'step', id: 'test', spec: { type: 'script', phase: 'test', command: ['npm', 'test'], retries: 2 } },
    ]);
    expect(output).toEqual({ research: { text: 'notes' }, tests: 'completed' });
  });

  test('in a folder with no node_modules, imports @switchyard/workflow-engine, zod and zod subpaths', async () => {
    const file = path.join(dir, 'standalone.ts');
    await writeFile(
      file,
      [
        "import { defineWorkflow } from '@switchyard/workflow-engine';",
        "import type { WorkflowContext } from '@switchyard/workflow-engine';",
        "import { z } from 'zod';",
        "import * as z4 from 'zod/v4';",
        "import { helper } from './helper.ts';",
        '',
        'const args = z.object({ count: z.number().default(1), tag: z4.string().optional() });',
        'async function run(ctx: WorkflowContext, count: number) {',
        "  return ctx.step('echo', { type: 'script', phase: 'work', command: ['echo', helper(count)] });",
        '}',
        'export default defineWorkflow({',
        "  name: 'Standalone',",
        "  phases: ['work'],",
        '  args,',
        '  async execute(ctx, input) {',
        '    return run(ctx, input.count);',
        '  },',
        '});',
      ].join('\n'),
    );
    await writeFile(path.join(dir, 'helper.ts'), 'export const helper = (n: number): string => `n=${n}`;\n');
    const definition = await loadCodeTemplate(file);
    expect(definition.id).toBe('standalone');
    expect(validateArgs(definition, {})).toEqual({ count: 1 });
    const { ctx, calls } = recordingContext();
    await definition.execute(ctx, { count: 3 });
    expect(calls[0]).toMatchObject({ spec: { command: ['echo', 'n=3'] } });
  });

  test('an edited template loads fresh', async () => {
    const file = path.join(dir, 'edited.ts');
    const write = (name: string) =>
      writeFile(
        file,
        `import { defineWorkflow } from '@switchyard/workflow-engine';\nexport default defineWorkflow({ name: '${name}', phases: ['a'], async execute() {} });\n`,
      );
    await write('First');
    const first = await loadCodeTemplate(file);
    await write('Second');
    const second = await loadCodeTemplate(file);
    expect([first.name, second.name]).toEqual(['First', 'Second']);
    expect(first.source.contentHash).not.toBe(second.source.contentHash);
  });

  test('a syntax error names file:line:column from the transpiler', async () => {
    const file = path.join(dir, 'missing-bracket.ts');
    await writeFile(file, "export default {\n  name: 'x',\n  phases: ['a',\n};\n");
    const error = await loadError(file);
    expect(error.issues).toEqual([expect.objectContaining({ file, line: 4, column: 1 })]);
    expect(error.message).toMatch(/^.*missing-bracket\.ts:4:1 syntax error: Unexpected token/);
  });

  test('an error thrown by a relative import is located in the template, not a stack trace', async () => {
    const file = path.join(dir, 'bad-import.ts');
    await writeFile(file, "import './throws.ts';\nexport default 1;\n");
    await writeFile(path.join(dir, 'throws.ts'), "throw new TypeError('helper broke');\n");
    const error = await loadError(file);
    expect(error.message).toBe(
      `${file} threw while loading (at ${path.join(dir, 'throws.ts')}:1): TypeError: helper broke`,
    );
  });

  test('a missing file is a TemplateError naming the path', async () => {
    const file = path.join(dir, 'nope.ts');
    expect((await loadError(file)).message).toBe(`${file} template file not found`);
  });
});
