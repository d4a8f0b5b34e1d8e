import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { TemplateError } from '../../src/errors.ts';
import { validateArgs } from '../../src/parser/WorkflowDefinition.ts';
import { MAX_YAML_BYTES, loadYamlTemplate, parseYamlTemplate } from '../../src/parser/YamlParser.ts';
import { parseDuration } from '../../src/parser/yamlSchema.ts';
import { outputJsonSchema } from '../../src/execution/structuredOutput.ts';
import type { z } from 'zod';
import { recordingContext } from './recordingContext.ts';

const FIX_BUG = path.join(import.meta.dirname, '../fixtures/templates/fix-bug.yaml');

function templateError(text: string, file = 'test.yaml'): TemplateError {
  try {
    parseYamlTemplate(text, file);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

describe('a valid YAML template', () => {
  test('becomes a definition: id from the file name, phases, args schemas, declared steps', async () => {
    const definition = await loadYamlTemplate(FIX_BUG);
    expect(definition.id).toBe('fix-bug');
    expect(definition.name).toBe('Fix a bug');
    expect(definition.source).toEqual({
      type: 'yaml',
      path: FIX_BUG,
      contentHash: createHash('sha256').update(readFileSync(FIX_BUG, 'utf8')).digest('hex'),
    });
    expect(definition.phases).toEqual([
      { id: 'research', label: 'Research' },
      { id: 'implement', label: 'Implement' },
      { id: 'test', label: 'Test' },
      { id: 'review', label: 'Review', gate: 'manual' },
    ]);
    expect(definition.workspace).toBe('worktree');
    expect(definition.budget).toEqual({ maxCostUsd: 2.5, maxTurns: 40 });
    expect(definition.declaredSteps).toEqual([
      { id: 'investigate', name: 'Investigate', phase: 'research' },
      { id: 'fix', name: 'fix', phase: 'implement' },
      { id: 'test', name: 'test', phase: 'test' },
      { id: 'report', name: 'report', phase: 'test' },
      { id: 'review', name: 'review', phase: 'review' },
    ]);
    expect(definition.args.jsonSchema).toMatchObject({
      type: 'object',
      properties: {
        issue: { type: 'string', description: 'The issue to fix' },
        attempts: { type: 'number', default: 2 },
        mode: { type: 'string', enum: ['safe', 'fast'], default: 'safe' },
        labels: { type: 'array' },
      },
      required: ['issue'],
      additionalProperties: false,
    });
    expect(validateArgs(definition, { issue: 'BUG-1' })).toEqual({ issue: 'BUG-1', attempts: 2, mode: 'safe' });
  });

  test('execute calls ctx.step for each step in order, interpolated, and skips a step whose if: is false', async () => {
    const definition = await loadYamlTemplate(FIX_BUG);
    const issue = 'BUG 1; rm -rf /';
    const { ctx, calls } = recordingContext({
      investigate: { text: 'the cache is stale' },
      fix: { text: 'fixed' },
      test: { exitCode: 0, signal: null, stdout: '{"ok":true}', stderr: '', json: { ok: true } },
    });
    const output = await definition.execute(ctx, validateArgs(definition, { issue, labels: ['p1'] }));

    expect(calls).toEqual([
      {
        kind: 'step',
        id: 'investigate',
        spec: {
          type: 'agent',
          agent: 'claude',
          model: 'sonnet',
          allowedTools: ['Read', 'Grep'],
          prompt: `Investigate issue ${issue} (mode safe, labels ["p1"]).`,
          phase: 'research',
          name: 'Investigate',
        },
      },
      {
        kind: 'step',
        id: 'fix',
        spec: {
          type: 'agent',
          agent: 'codex',
          prompt: 'Fix it. Findings: the cache is stale',
          phase: 'implement',
          name: 'fix',
          timeoutMs: 30 * 60_000,
        },
      },
      {
        kind: 'step',
        id: 'test',
        spec: {
          type: 'script',
          // Each element is interpolated on its own: the arg stays one argument, whatever it holds.
          command: ['npm', 'test', '--', issue],
          phase: 'test',
          name: 'test',
          retries: 1,
          timeoutMs: 90_000,
          continueOnError: true,
          cwd: 'packages/safe',
          env: { ISSUE: issue, CI: '1' },
        },
      },
      {
        kind: 'skip',
        id: 'report',
        spec: {
          phase: 'test',
          name: 'report',
          type: 'script',
          reason: "if: steps.test.output.exitCode != 0 && args.mode == 'safe' was false",
        },
      },
      {
        kind: 'skip',
        id: 'review',
        spec: {
          phase: 'review',
          name: 'review',
          type: 'agent',
          reason: "if: !(steps.test.status == 'completed' && steps.test.output.json.ok == true) was false",
        },
      },
    ]);
    expect(output).toEqual({
      investigate: { text: 'the cache is stale' },
      fix: { text: 'fixed' },
      test: { exitCode: 0, signal: null, stdout: '{"ok":true}', stderr: '', json: { ok: true } },
      report: null,
      review: null,
    });
  });

  test('a failed step feeds if: and {{ }} of later steps (string commands insert raw text)', async () => {
    const definition = await loadYamlTemplate(FIX_BUG);
    const { ctx, calls } = recordingContext(
      { test: { exitCode: 2, signal: null, stdout: '', stderr: 'boom' } },
      { test: 'failed' },
    );
    await definition.execute(ctx, validateArgs(definition, { issue: 'BUG-2' }));
    const [report, review] = calls.slice(3);
    expect(report).toMatchObject({
      kind: 'step',
      id: 'report',
      spec: { type: 'script', command: 'echo "tests failed with 2"' },
    });
    // No `type:` in the YAML: a step with a prompt is an agent step, with claude by default.
    expect(review).toMatchObject({
      kind: 'step',
      id: 'review',
      spec: { type: 'agent', agent: 'claude', prompt: 'Review the failure: boom', phase: 'review' },
    });
  });

  test('if: accepts a YAML boolean', async () => {
    const definition = parseYamlTemplate(
      'name: t\nphases: [a]\nsteps:\n  - { id: x, phase: a, command: "true", if: false }\n  - { id: y, phase: a, command: "true", if: true }\n',
      't.yaml',
    );
    const { ctx, calls } = recordingContext();
    await definition.execute(ctx, {});
    expect(calls.map((call) => `${call.kind}:${call.id}`)).toEqual(['skip:x', 'step:y']);
  });
});

describe('errors carry line:column of the node at fault', () => {
  test('every problem is reported at once, in document order', () => {
    const error = templateError(
      [
        'name: t', //
        'phases: [a, a]',
        'steps:',
        '  - id: one',
        '    phase: b',
        '    command: make',
        '    retries: 1.5',
      ].join('\n'),
    );
    expect(error.issues.map((issue) => `${issue.line}:${issue.column} ${issue.path}`)).toEqual([
      '2:13 phases[1].id',
      '7:14 steps[0].retries',
    ]);
    expect(error.message).toContain('test.yaml:7:14 steps[0].retries: expected an integer, received number 1.5');
  });

  test('an unknown key points at the key and suggests the allowed ones', () => {
    const error = templateError('name: t\nphases: [a]\nsteps:\n  - id: x\n    phase: a\n    comand: make\n');
    expect(error.message).toContain('test.yaml:6:5 steps[0].comand: unknown key "comand" (did you mean "command"?)');
  });

  test('a step without type, prompt or command asks for one', () => {
    expect(templateError('name: t\nphases: [a]\nsteps:\n  - id: x\n    phase: a\n').message).toContain(
      'test.yaml:4:5 steps[0].type: is required: type: agent (with a prompt) or type: script (with a command)',
    );
  });

  test('a step may only read its own result nowhere, and unknown steps are named', () => {
    const error = templateError(
      'name: t\nphases: [a]\nsteps:\n  - id: x\n    phase: a\n    command: "echo {{ steps.x.output.stdout }} {{ steps.nope.status }} {{ steps.x }}"\n',
    );
    expect(error.message).toContain('step "x" cannot read its own result');
    expect(error.message).toContain('unknown step "nope" in steps.nope.status (no step runs before this one)');
  });

  test('steps.<id> must be followed by output or status', () => {
    const error = templateError(
      'name: t\nphases: [a]\nsteps:\n  - { id: x, phase: a, command: make }\n  - { id: y, phase: a, command: make, if: steps.x.exitCode == 0 }\n',
    );
    expect(error.message).toContain('test.yaml:5:43 steps[1].if: steps.x.exitCode: after steps.x write .output');
  });

  test('the size limit is checked before parsing', () => {
    const text = `name: t\n#${'x'.repeat(MAX_YAML_BYTES)}\n`;
    expect(templateError(text).message).toMatch(
      /^test\.yaml is \d+ bytes; a YAML template may be at most 1048576 bytes$/,
    );
  });

  test('a megabyte of nested collections is refused by its depth before the parser sees it', () => {
    const open = MAX_YAML_BYTES / 2 - 16;
    const text = `name: t\nphases: ${'['.repeat(open)}${']'.repeat(open)}\n`;
    expect(templateError(text).message).toBe(
      'test.yaml:2:73 YAML collections are nested more than 64 levels deep here; a template needs only a few',
    );
  });

  test('brackets inside scalars, quotes and comments are not collections', () => {
    const depth = 70;
    const text = [
      'name: t',
      'phases: [a]',
      `# ${'['.repeat(depth)}`,
      'steps:',
      `  - { id: s, phase: a, command: "echo ${'['.repeat(depth)}" }`,
      `  - { id: u, phase: a, command: 'echo ${'['.repeat(depth)}' }`,
      `  - id: v`,
      `    phase: a`,
      `    command: echo ${'['.repeat(depth)}`,
    ].join('\n');
    expect(parseYamlTemplate(text, 'test.yaml').declaredSteps?.map((step) => step.id)).toEqual(['s', 'u', 'v']);
  });

  test('args: enum values must have the arg type, and an unknown arg is refused at run start', () => {
    const error = templateError(
      'name: t\nphases: [a]\nargs:\n  n:\n    type: number\n    enum: [1, "two"]\nsteps:\n  - { id: x, phase: a, command: make }\n',
    );
    expect(error.message).toContain(
      'test.yaml:6:15 args.n.enum[1]: expected number (the arg\'s type), received string "two"',
    );
    const definition = parseYamlTemplate(
      'name: t\nphases: [a]\nargs:\n  issue: { type: string }\nsteps:\n  - { id: x, phase: a, command: make }\n',
      't.yaml',
    );
    expect(() => validateArgs(definition, { isue: 'x' })).toThrow(
      'args.isue: unknown key "isue" (did you mean "issue"?)',
    );
  });
});

describe('output_schema: on an agent step', () => {
  const step = (schema: string[], next = '') =>
    [
      'name: t',
      'phases: [a]',
      'steps:',
      '  - id: triage',
      '    phase: a',
      '    prompt: Triage it.',
      '    output_schema:',
      ...schema.map((line) => `      ${line}`),
      next,
    ].join('\n');

  test('becomes a zod schema that validates the answer, and the JSON schema the agent is shown', async () => {
    const definition = parseYamlTemplate(
      step([
        'summary: { type: string, required: true, description: one line }',
        'severity: { type: string, enum: [low, high] }',
      ]),
      't.yaml',
    );
    const { ctx, calls } = recordingContext();
    await definition.execute(ctx, {});
    const output = (calls[0]!.spec as { output: z.ZodType }).output;
    expect(output.safeParse({ summary: 'x', severity: 'low', extra: 1 })).toEqual({
      success: true,
      data: { summary: 'x', severity: 'low' },
    });
    expect(output.safeParse({ severity: 'medium' }).success).toBe(false);
    expect(outputJsonSchema(output)).toMatchObject({
      type: 'object',
      properties: { summary: { type: 'string', description: 'one line' }, severity: { enum: ['low', 'high'] } },
      required: ['summary'],
    });
  });

  test('its fields are checked like args, at their line and column', () => {
    expect(templateError(step(['summary: { type: text }'])).message).toContain(
      'test.yaml:8:24 steps[0].output_schema.summary.type: expected "string" or "number"',
    );
    expect(templateError(step(['count: { type: number, default: many }'])).message).toContain(
      'test.yaml:8:39 steps[0].output_schema.count.default: expected number (the arg\'s type), received string "many"',
    );
  });

  test('a later step may read only declared fields of steps.<id>.output.json', () => {
    const error = templateError(
      step(
        ['summary: { type: string }'],
        '  - { id: next, phase: a, command: "echo {{ steps.triage.output.json.sumary }}" }',
      ),
    );
    expect(error.message).toMatch(
      /test\.yaml:9:\d+ steps\[1\]\.command: "sumary" is not a field of step "triage"'s output_schema \(summary\)/,
    );
  });

  test('is refused on a script step', () => {
    const error = templateError(
      'name: t\nphases: [a]\nsteps:\n  - id: x\n    phase: a\n    command: make\n    output_schema: { a: { type: string } }\n',
    );
    expect(error.message).toContain('test.yaml:7:5 steps[0].output_schema: unknown key "output_schema"');
  });
});

test.each([
  [30, 30_000],
  ['30', 30_000],
  ['30s', 30_000],
  ['1.5s', 1_500],
  ['250ms', 250],
  ['5m', 300_000],
  ['1h', 3_600_000],
  [' 2 m ', 120_000],
  ['5 minutes', undefined],
  ['0s', undefined],
  [0, undefined],
  [-5, undefined],
  ['1d', undefined],
  [true, undefined],
])('timeout %j → %j ms', (value, expected) => {
  expect(parseDuration(value)).toBe(expected);
});
