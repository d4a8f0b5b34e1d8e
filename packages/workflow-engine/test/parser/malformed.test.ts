/**
 * The malformed-template corpus: one data file per case in test/fixtures/malformed/, each with the substrings its
 * error message must contain (`file:line:column path: message` where the position is known). Every message must
 * name the file and read as a sentence, never as a stack trace.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ArgsValidationError, TemplateError } from '../../src/errors.ts';
import { loadTemplate } from '../../src/parser/loadTemplate.ts';
import { MAX_YAML_BYTES, parseYamlTemplate } from '../../src/parser/YamlParser.ts';
import { validateArgs } from '../../src/parser/WorkflowDefinition.ts';

/** Long enough for a first, cold load on a busy machine; never-resolves.ts waits it out. */
const LOAD_TIMEOUT_MS = 3_000;
const MALFORMED = path.join(import.meta.dirname, '../fixtures/malformed');
const TEMPLATES = path.join(import.meta.dirname, '../fixtures/templates');

interface Case {
  file: string;
  expected: string[];
  /** Stretch the fixture past the size limit at test time rather than storing a 1 MiB file. */
  pad?: boolean;
}

const cases: Case[] = [
  // YAML: syntax and limits
  { file: 'bad-syntax.yaml', expected: ['bad-syntax.yaml:3:1 YAML syntax error: Flow sequence in block collection'] },
  { file: 'tab-indent.yaml', expected: ['tab-indent.yaml:3:1 YAML syntax error: Tabs are not allowed as indentation'] },
  { file: 'duplicate-key.yaml', expected: ['duplicate-key.yaml:7:5 duplicate key: Map keys must be unique'] },
  {
    file: 'multiple-documents.yaml',
    expected: ['multiple-documents.yaml:7:1 YAML syntax error: Source contains multiple documents'],
  },
  { file: 'alias-bomb.yaml', expected: ['alias-bomb.yaml:4:8 YAML aliases expand too much', 'alias bomb'] },
  {
    file: 'oversize.yaml',
    pad: true,
    expected: ['oversize.yaml is ', `a YAML template may be at most ${MAX_YAML_BYTES} bytes`],
  },
  {
    file: 'deep-nesting.yaml',
    expected: [
      'deep-nesting.yaml:7:78 YAML collections are nested more than 64 levels deep here; a template needs only a few',
    ],
  },
  { file: 'not-a-mapping.yaml', expected: ['not-a-mapping.yaml must be a YAML mapping with name, phases and steps'] },
  // YAML: structure
  {
    file: 'unknown-top-level-key.yaml',
    expected: [
      'unknown-top-level-key.yaml:3:1 stpes: unknown key "stpes" (did you mean "steps"?); allowed: name, description, phases, args, workspace, budget, secrets, steps',
      'unknown-top-level-key.yaml:1:1 steps: is required',
    ],
  },
  { file: 'missing-name.yaml', expected: ['missing-name.yaml:1:1 name: is required'] },
  { file: 'empty-phases.yaml', expected: ['empty-phases.yaml:2:9 phases: must declare at least one phase'] },
  {
    file: 'duplicate-phase-ids.yaml',
    expected: ['duplicate-phase-ids.yaml:5:9 phases[2].id: duplicate phase id "research" (first at phases[0])'],
  },
  {
    file: 'bad-gate.yaml',
    expected: ['bad-gate.yaml:5:11 phases[1].gate: the only gate is "manual", received "automatic"'],
  },
  {
    file: 'unknown-step-type.yaml',
    expected: [
      'unknown-step-type.yaml:6:11 steps[0].type: expected "agent", "script", "sleep", "input" or "event", received "shell"',
    ],
  },
  {
    file: 'unknown-step-key.yaml',
    expected: [
      'unknown-step-key.yaml:7:5 steps[0].promt: unknown key "promt" (did you mean "prompt"?)',
      'unknown-step-key.yaml:4:5 steps[0].prompt: is required for an agent step',
    ],
  },
  {
    file: 'duplicate-step-ids.yaml',
    expected: ['duplicate-step-ids.yaml:7:9 steps[1].id: duplicate step id "build" (first at steps[0])'],
  },
  {
    file: 'undeclared-phase.yaml',
    expected: [
      'undeclared-phase.yaml:14:12 steps[2].phase: "deploy" is not a declared phase (research, plan, implement, test)',
    ],
  },
  { file: 'missing-prompt.yaml', expected: ['missing-prompt.yaml:4:5 steps[0].prompt: is required for an agent step'] },
  {
    file: 'missing-command.yaml',
    expected: ['missing-command.yaml:4:5 steps[0].command: is required for a script step'],
  },
  {
    file: 'bad-timeout.yaml',
    expected: [
      'bad-timeout.yaml:7:14 steps[0].timeout: expected a duration such as 30s, 5m or 1h',
      'received string "5 minutes"',
    ],
  },
  {
    file: 'negative-retries.yaml',
    expected: ['negative-retries.yaml:7:14 steps[0].retries: must be >= 0, received number -1'],
  },
  {
    file: 'bad-arg-type.yaml',
    expected: [
      'bad-arg-type.yaml:5:11 args.count.type: expected "string" or "number" or "boolean" or "array" or "object", received string "int"',
    ],
  },
  {
    file: 'enum-default-not-in-enum.yaml',
    expected: [
      'enum-default-not-in-enum.yaml:7:14 args.mode.default: "fast" is not one of the enum values ("safe", "thorough")',
    ],
  },
  // YAML: if: and {{ }}
  {
    file: 'bad-if-syntax.yaml',
    expected: [
      'bad-if-syntax.yaml:9:9 steps[1].if: invalid expression "steps.build.output.exitCode = 0": unexpected "=" (use == to compare) at column 29',
    ],
  },
  {
    file: 'if-unknown-root.yaml',
    expected: [
      'if-unknown-root.yaml:6:9 steps[0].if: unknown name "env" in env.CI; expressions read args.<name> or steps.<id>.output',
    ],
  },
  {
    file: 'if-later-step.yaml',
    expected: [
      'if-later-step.yaml:6:9 steps[0].if: step "test" is declared after this step; steps.test.status can only read steps that run earlier',
    ],
  },
  {
    file: 'interpolate-unknown-arg.yaml',
    expected: [
      'interpolate-unknown-arg.yaml:10:13 steps[0].prompt: unknown arg "isue" in args.isue (declared args: issue)',
    ],
  },
  {
    file: 'interpolate-unclosed.yaml',
    expected: [
      'interpolate-unclosed.yaml:9:30 steps[0].command[2]: invalid {{ }} in "{{ args.branch": "{{" is never closed with "}}"',
    ],
  },
  // TypeScript
  {
    file: 'syntax-error.ts',
    expected: ["syntax-error.ts:8:7 syntax error: Identifier 'phases' has already been declared"],
  },
  {
    file: 'no-default-export.ts',
    expected: [
      'no-default-export.ts has no default export (it exports "workflow"); add `export default defineWorkflow({ … })`',
    ],
  },
  {
    file: 'default-not-defineworkflow.ts',
    expected: [
      'default-not-defineworkflow.ts the default export is a plain object with keys name, phases, execute, not the result of defineWorkflow()',
    ],
  },
  {
    file: 'top-level-throw.ts',
    expected: ['top-level-throw.ts:5:9 threw while loading: SWITCHYARD_FIXTURE_REPOSITORY is not set'],
  },
  {
    file: 'missing-module.ts',
    expected: ['missing-module.ts:3:24 imports "switchyard-helpers-that-do-not-exist", which cannot be found'],
  },
  {
    file: 'invalid-phases.ts',
    expected: [
      'invalid-phases.ts phases[1].id: must be a slug',
      'invalid-phases.ts phases[2].id: duplicate phase id "research" (first at phases[0])',
    ],
  },
  {
    file: 'execute-not-a-function.ts',
    expected: [
      'execute-not-a-function.ts name: must not be empty',
      'execute-not-a-function.ts execute: must be a function',
    ],
  },
  {
    file: 'never-resolves.ts',
    expected: [
      `never-resolves.ts loading took longer than ${LOAD_TIMEOUT_MS} ms (a top-level await that never settles?)`,
    ],
  },
  // Neither
  {
    file: 'not-a-template.json',
    expected: ['not-a-template.json is not a template: expected one of .ts, .mts, .yaml, .yml, found .json'],
  },
];

async function templateError({ file, pad }: Case): Promise<TemplateError> {
  const full = path.join(MALFORMED, file);
  const attempt = pad
    ? readFile(full, 'utf8').then((text) => parseYamlTemplate(`${text}#${'x'.repeat(MAX_YAML_BYTES)}\n`, full))
    : loadTemplate(full, { timeoutMs: LOAD_TIMEOUT_MS });
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `${file} should be rejected`).toBeInstanceOf(TemplateError);
  return error as TemplateError;
}

function expectReadable(message: string, name: string): void {
  expect(message).toContain(name);
  expect(message.trimStart()).not.toMatch(/^at /);
  expect(message).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

describe('malformed templates are rejected with a located, readable message', () => {
  test('every fixture file has a case', async () => {
    expect((await readdir(MALFORMED)).sort()).toEqual(cases.map((c) => c.file).sort());
  });

  test.each(cases)('$file', async (row) => {
    const error = await templateError(row);
    expectReadable(error.message, row.file);
    for (const expected of row.expected) expect(error.message).toContain(expected);
  });
});

describe('args that break the schema are rejected at run start, naming each field', () => {
  test.each([
    { template: 'fix-bug.yaml', args: {}, expected: 'args.issue: is required' },
    {
      template: 'fix-bug.yaml',
      args: { issue: 'BUG-1', attempts: 'three' },
      expected: 'args.attempts: expected number, received string "three"',
    },
    {
      template: 'fix-bug.yaml',
      args: { issue: 'BUG-1', mode: 'reckless' },
      expected: 'args.mode: expected "safe" or "fast", received string "reckless"',
    },
    {
      template: 'fix-bug.yaml',
      args: { issue: 'BUG-1', labels: 'p1' },
      expected: 'args.labels: expected array, received string "p1"',
    },
    { template: 'fix-bug.yaml', args: ['BUG-1'], expected: 'args: expected object, received array' },
    {
      template: 'implement-feature.ts',
      args: { feature: 3 },
      expected: 'args.feature: expected string, received number 3',
    },
    {
      template: 'implement-feature.ts',
      args: { feature: 'x', mode: 'yolo' },
      expected: 'args.mode: expected "safe" or "fast"',
    },
  ])('$template with $args', async ({ template, args, expected }) => {
    const definition = await loadTemplate(path.join(TEMPLATES, template));
    let error: unknown;
    try {
      validateArgs(definition, args);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ArgsValidationError);
    expectReadable((error as Error).message, `invalid args for ${definition.id}: `);
    expect((error as Error).message).toContain(expected);
  });
});
