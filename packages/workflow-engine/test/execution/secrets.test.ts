/**
 * A step's secrets — its env values, `secret('NAME')` in TypeScript, a YAML template's `secrets:` — reach the step
 * and nothing else: every event, journal record, checkpoint and log file shows `***`. And a step's environment is
 * an allowlist plus what it declares, never the whole environment of the process running it.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createAgentRunner } from '@switchyard/agent-cli-sdk';
import { fakeClaudePath } from '@switchyard/agent-cli-sdk/testing';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { Redactor, secret } from '../../src/execution/secrets.ts';
import { parseYamlTemplate } from '../../src/parser/YamlParser.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { WorkflowDefinition } from '../../src/types/workflow.ts';
import { inlineDefinition, recordingSink, tempDir } from '../helpers.ts';

const INLINE = 'supersecret123';
const FROM_ENV = 'hunter2-from-the-environment';

beforeEach(() => {
  process.env.SWITCHYARD_TEST_SECRET = FROM_ENV;
  process.env.SWITCHYARD_TOKEN = 'the-server-token';
});
afterEach(() => {
  delete process.env.SWITCHYARD_TEST_SECRET;
  delete process.env.SWITCHYARD_TOKEN;
});

async function filesUnder(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files[path] = await readFile(path, 'utf8');
    }
  }
  return files;
}

async function execute(definition: WorkflowDefinition, dir: string) {
  const store = createMemoryRunStore();
  const events = recordingSink();
  const executionsDir = join(dir, 'executions');
  const executor = createExecutor({
    store,
    events,
    executionsDir,
    workingDir: dir,
    agents: createAgentRunner({ paths: { claude: fakeClaudePath } }),
  });
  const run = await executor.run(definition, {});
  return { run, events, journal: await store.getJournal(run.id), files: await filesUnder(executionsDir) };
}

describe("a step's secrets", () => {
  test('reach the step and are *** in its events, journal record, checkpoints and log files', async () => {
    const dir = await tempDir();
    const definition = await inlineDefinition(dir, 'secrets', {
      name: 'Secrets',
      phases: ['work'],
      async execute(ctx) {
        await ctx.step('print', {
          type: 'script',
          phase: 'work',
          // Printed whole, split over two writes, and to stderr.
          command: `echo "token=$API_TOKEN other=$OTHER"; printf supers; printf 'ecret123\\n'; echo "$OTHER" >&2; echo ${INLINE}`,
          env: { API_TOKEN: INLINE, OTHER: secret('SWITCHYARD_TEST_SECRET') },
        });
        await ctx.step('agent', {
          type: 'agent',
          agent: 'claude',
          phase: 'work',
          prompt: `Use the token ${INLINE}`,
          env: { API_TOKEN: INLINE },
        });
      },
    });
    const { run, events, journal, files } = await execute(definition, dir);
    expect(run.status).toBe('completed');
    const print = journal.find((record) => record.stepId === 'print')!;
    expect(print.result?.data).toMatchObject({
      stdout: 'token=*** other=***\n***\n***\n',
      stderr: '***\n',
    });
    expect(print.input).toMatchObject({ env: { API_TOKEN: '***', OTHER: '***' } });
    expect(journal.find((record) => record.stepId === 'agent')!.input).toMatchObject({
      prompt: 'Use the token ***',
    });
    const everything = JSON.stringify({ events: events.events, journal, files, run });
    expect(everything).not.toContain(INLINE);
    expect(everything).not.toContain(FROM_ENV);
    // Everything written is accounted for: input, events, output and summary of both steps, and checkpoints.
    expect(Object.keys(files).some((path) => path.endsWith('print/events.jsonl'))).toBe(true);
    expect(Object.keys(files).some((path) => path.includes('checkpoints'))).toBe(true);
  });

  test('named in a YAML template are read from the environment running the step and redacted', async () => {
    const dir = await tempDir();
    const file = join(dir, 'yaml-secrets.yaml');
    const definition = parseYamlTemplate(
      [
        'name: YAML secrets',
        'phases: [work]',
        'secrets: [SWITCHYARD_TEST_SECRET]',
        'steps:',
        '  - id: print',
        '    phase: work',
        '    command: echo "got $SWITCHYARD_TEST_SECRET"',
      ].join('\n'),
      file,
    );
    await writeFile(file, '');
    const { run, journal, events } = await execute(definition, dir);
    expect(run.status).toBe('completed');
    expect(journal[0]!.result?.data).toMatchObject({ stdout: 'got ***\n' });
    expect(JSON.stringify(events.events)).not.toContain(FROM_ENV);
  });

  test('that are not set fail the step, naming the variable', async () => {
    delete process.env.SWITCHYARD_TEST_SECRET;
    const dir = await tempDir();
    const definition = await inlineDefinition(dir, 'missing', {
      name: 'Missing',
      phases: ['work'],
      async execute(ctx) {
        await ctx.step('print', {
          type: 'script',
          phase: 'work',
          command: 'true',
          env: { OTHER: secret('SWITCHYARD_TEST_SECRET') },
        });
      },
    });
    const { run, journal } = await execute(definition, dir);
    expect(run.status).toBe('failed');
    expect(journal[0]!.error).toEqual({
      code: 'secret_missing',
      message: `secret SWITCHYARD_TEST_SECRET is not set in the environment of the process running the step (${process.pid})`,
    });
  });
});

describe("a script step's environment", () => {
  test("is the allowlist, what it declares and its tag: not the server's token", async () => {
    const dir = await tempDir();
    const definition = await inlineDefinition(dir, 'env', {
      name: 'Env',
      phases: ['work'],
      async execute(ctx) {
        await ctx.step('env', { type: 'script', phase: 'work', command: ['env'], env: { DECLARED: 'yes' } });
      },
    });
    const { journal } = await execute(definition, dir);
    const names = String((journal[0]!.result?.data as { stdout: string }).stdout)
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('=')[0]);
    expect(names).toContain('PATH');
    expect(names).toContain('DECLARED');
    expect(names).toContain('SWITCHYARD_STEP_TAG');
    expect(names).not.toContain('SWITCHYARD_TOKEN');
    expect(names).not.toContain('SWITCHYARD_TEST_SECRET');
  });
});

describe('Redactor', () => {
  test('catches a secret split across chunks, and holds back no more than a possible start of one', () => {
    const stream = new Redactor(['abcdef']).stream();
    expect([stream.push('xxab'), stream.push('cd'), stream.push('efyy'), stream.push('ab'), stream.end()]).toEqual([
      'xx',
      '',
      '***yy',
      '',
      'ab',
    ]);
  });

  test('replaces the longer of two overlapping secrets whole, in keys and values, and ignores values under 4 characters', () => {
    const redactor = new Redactor(['token', 'token-long', '1']);
    expect(redactor.value({ 'a token-long': ['token', 1, 'x1'] })).toEqual({ 'a ***': ['***', 1, 'x1'] });
  });
});
