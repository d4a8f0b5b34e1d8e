import { describe, expect, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { ArgsValidationError, TemplateError } from '../../src/errors.ts';
import type { WorkflowContext } from '../../src/types/context.ts';
import type { ArgsSchema, WorkflowDefinition } from '../../src/types/workflow.ts';
import {
  argsJsonSchema,
  defineWorkflow,
  definitionFromConfig,
  definitionSnapshot,
  isDefinedWorkflow,
  templateIdFromPath,
  validateArgs,
} from '../../src/parser/WorkflowDefinition.ts';

const source = { type: 'code' as const, path: 'demo.ts', contentHash: 'abc' };

describe('defineWorkflow', () => {
  test('brands its result with a registered symbol, so another copy of the engine recognises it', () => {
    const workflow = defineWorkflow({ name: 'x', phases: ['a'], async execute() {} });
    expect(isDefinedWorkflow(workflow)).toBe(true);
    expect((workflow as unknown as Record<symbol, unknown>)[Symbol.for('switchyard.workflow')]).toBe(1);
    expect(isDefinedWorkflow({ name: 'x', phases: ['a'], async execute() {} })).toBe(false);
    expect(isDefinedWorkflow({ [Symbol.for('switchyard.workflow')]: 1 })).toBe(true);
  });

  test('types execute from the args schema', () => {
    defineWorkflow({
      name: 'typed',
      phases: ['a'],
      args: z.object({ count: z.number().default(1), name: z.string() }),
      async execute(ctx, args) {
        expectTypeOf(args).toEqualTypeOf<{ count: number; name: string }>();
        expectTypeOf(ctx).toEqualTypeOf<WorkflowContext<{ count: number; name: string }>>();
      },
    });
  });

  test('validation names each bad field; phases become labelled, a default args schema is used', () => {
    const config = defineWorkflow({
      name: 'Demo',
      phases: ['code-review', { id: 'ship', gate: 'manual' }],
      async execute() {},
    });
    const definition = definitionFromConfig(config, source);
    expect(definition.phases).toEqual([
      { id: 'code-review', label: 'Code review' },
      { id: 'ship', label: 'Ship', gate: 'manual' },
    ]);
    expect(validateArgs(definition, undefined)).toEqual({});

    const bad = { ...config, name: ' ', phases: [], args: { parse() {} }, extra: 1 } as unknown as typeof config;
    let error: unknown;
    try {
      definitionFromConfig(bad, source);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).message.split('\n')).toEqual([
      'demo.ts name: must not be empty',
      'demo.ts phases: must declare at least one phase',
      'demo.ts args: must be a schema with safeParse, such as z.object({ … })',
      'demo.ts extra: unknown key "extra"; allowed: name, description, phases, args, workspace, budget, execute',
    ]);
  });
});

describe('validateArgs', () => {
  const definition: Pick<WorkflowDefinition, 'id' | 'args'> = {
    id: 'demo',
    args: {
      schema: z.object({ count: z.number(), mode: z.enum(['a', 'b']).default('a') }),
      jsonSchema: {},
    },
  };

  test('returns the parsed args with defaults applied', () => {
    expect(validateArgs(definition, { count: 2 })).toEqual({ count: 2, mode: 'a' });
  });

  test('throws ArgsValidationError naming each bad field', () => {
    let error: unknown;
    try {
      validateArgs(definition, { count: '2', mode: 'c' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as ArgsValidationError).issues).toEqual([
      { path: 'args.count', message: 'expected number, received string "2"' },
      { path: 'args.mode', message: 'expected "a" or "b", received string "c"' },
    ]);
    expect((error as Error).message).toBe(
      'invalid args for demo: args.count: expected number, received string "2"; args.mode: expected "a" or "b", received string "c"',
    );
  });

  test('a schema that is not zod reports its own messages', () => {
    const schema: ArgsSchema = {
      safeParse: () => ({ success: false, error: { issues: [{ path: ['x'], message: 'x is odd' }] } }),
    };
    expect(() => validateArgs({ id: 'd', args: { schema, jsonSchema: {} } }, {})).toThrow(
      'invalid args for d: args.x: x is odd',
    );
  });
});

describe('argsJsonSchema never throws', () => {
  test.each([
    [
      'a zod object',
      z.object({ n: z.number().default(1) }),
      { type: 'object', properties: { n: { type: 'number', default: 1 } } },
    ],
    ['an unrepresentable field', z.object({ when: z.date() }), { type: 'object', properties: { when: {} } }],
    ['a schema that is not zod', { safeParse: () => ({ success: true as const, data: {} }) }, {}],
  ])('%s', (_, schema, expected) => {
    expect(argsJsonSchema(schema)).toMatchObject(expected);
  });
});

test('definitionSnapshot is serialisable and leaves out code', () => {
  const definition = definitionFromConfig(
    defineWorkflow({
      name: 'Demo',
      description: 'd',
      phases: ['a'],
      args: z.object({ n: z.number() }),
      async execute() {},
    }),
    source,
  );
  const snapshot = definitionSnapshot({ ...definition, declaredSteps: [{ id: 's', name: 'S', phase: 'a' }] });
  expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  expect(snapshot).toEqual({
    id: 'demo',
    name: 'Demo',
    description: 'd',
    source,
    phases: [{ id: 'a', label: 'A' }],
    argsJsonSchema: expect.objectContaining({ type: 'object', required: ['n'] }),
    declaredSteps: [{ id: 's', name: 'S', phase: 'a' }],
  });
});

test.each([
  ['implement-feature.ts', 'implement-feature'],
  ['/a/b/fix-bug.yaml', 'fix-bug'],
  ['Fix Bug (v2).YML', 'fix-bug-v2'],
  ['deploy.mts', 'deploy'],
  ['snake_case.yaml', 'snake_case'],
])('template id of %s is %s', (file, id) => {
  expect(templateIdFromPath(file)).toBe(id);
});
