/**
 * Agent steps with `output` (TS) and `output_schema:` (YAML), driven through the executor by the real Codex CLI
 * against a loopback fake of the Responses API whose answers the tests script: valid JSON, JSON that needs the one
 * retry (which must continue the same thread), and JSON that never passes; and the retry with the real Gemini CLI.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgentRunner } from '@switchyard/agent-cli-sdk';
import type { AgentResult } from '@switchyard/agent-cli-sdk';
import {
  codexOffline,
  describeCodexTurn,
  geminiOffline,
  realCliInstalled,
  realCliPaths,
  startFakeGeminiApi,
  startFakeOpenAiApi,
} from '@switchyard/agent-cli-sdk/testing';
import type { FakeCodexReply, FakeCodexTurn, FakeGeminiApi, FakeOpenAiApi } from '@switchyard/agent-cli-sdk/testing';
import { checkOutput, extractJson, promptForOutput } from '../../src/execution/structuredOutput.ts';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { parseYamlTemplate } from '../../src/parser/YamlParser.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { WorkflowDefinition } from '../../src/types/workflow.ts';
import { inlineDefinition, recordingSink, tempDir } from '../helpers.ts';

describe('extracting the JSON of an answer', () => {
  it('takes the last ```json block, else the whole answer, else the last balanced value in the text', () => {
    const fenced = 'Plan:\n```json\n{"a": 1}\n```\nand finally\n```json\n{"a": 2}\n```\nDone.';
    expect(extractJson(fenced)).toEqual({ found: true, value: { a: 2 } });
    expect(extractJson('  [1, 2, 3]\n')).toEqual({ found: true, value: [1, 2, 3] });
    expect(extractJson('The result is {"files": ["a.ts", "b}.ts"]} as asked.')).toEqual({
      found: true,
      value: { files: ['a.ts', 'b}.ts'] },
    });
    expect(extractJson('```\n{"untagged": true}\n```')).toEqual({ found: true, value: { untagged: true } });
    expect(extractJson('no JSON here, only {braces that do not parse}')).toEqual({ found: false });
  });

  it('names every failing field by its path', () => {
    const schema = z.object({ summary: z.string(), risk: z.enum(['low', 'high']), files: z.array(z.string()) });
    const checked = checkOutput('```json\n{"summary": 3, "risk": "medium", "files": ["a", 2]}\n```', schema);
    expect(checked.ok).toBe(false);
    const { problem } = checked as { problem: string };
    expect(problem).toContain('summary: ');
    expect(problem).toContain('risk: ');
    expect(problem).toContain('files.1: ');
    expect(checkOutput('I could not do it.', schema)).toEqual({
      ok: false,
      problem: 'it holds no JSON value (expected a ```json fenced block)',
    });
  });

  it('asks for a fenced block matching the JSON schema', () => {
    const prompt = promptForOutput('Review the change.', z.object({ approve: z.boolean() }));
    expect(prompt.startsWith('Review the change.\n')).toBe(true);
    expect(prompt).toContain('```json');
    expect(prompt).toContain('"approve": {\n      "type": "boolean"\n    }');
  });
});

/**
 * The fake's answers, by keyword in the task (anywhere in the thread: a same-session retry carries only the
 * engine's message); `could not be used` marks the engine's retry turn.
 */
function scriptedReply({ request, prompt }: FakeCodexTurn): FakeCodexReply | undefined {
  const thread = JSON.stringify(request.input);
  const retry = prompt.includes('Your answer could not be used');
  const json = (value: unknown) => ({ text: `Here it is.\n\n\`\`\`json\n${JSON.stringify(value)}\n\`\`\`` });
  if (thread.includes('SCN_JSON_OK')) return json({ summary: 'Two files changed', files: ['a.ts', 'b.ts'] });
  if (thread.includes('SCN_JSON_FIX')) {
    return retry ? json({ summary: 'Fixed', files: ['c.ts'] }) : json({ summary: 'Forgot the files' });
  }
  if (thread.includes('SCN_JSON_BAD')) return { text: retry ? 'Still no JSON, sorry.' : 'I will not answer in JSON.' };
  return undefined;
}

// Two CLI runs per test at most, but a shared machine can make one take seconds.
describe.skipIf(!realCliInstalled('codex'))(
  'agent steps with an output schema (the real Codex CLI)',
  { timeout: 120_000 },
  () => {
    let api: FakeOpenAiApi;
    let root: string;
    let agentEnv: Record<string, string>;

    beforeAll(async () => {
      api = await startFakeOpenAiApi({ reply: scriptedReply });
      // Not tempDir(), which is emptied after each test: Codex without its config would not use the fake.
      root = mkdtempSync(join(tmpdir(), 'structured-output-'));
      const home = join(root, 'home');
      mkdirSync(home);
      agentEnv = { ...codexOffline(home, api.baseUrl), HOME: home };
    });

    afterAll(async () => {
      await api?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    async function execute(definition: WorkflowDefinition, dir: string) {
      const store = createMemoryRunStore();
      const events = recordingSink();
      const executor = createExecutor({
        store,
        events,
        executionsDir: join(dir, 'executions'),
        workingDir: dir,
        agents: createAgentRunner({ paths: { codex: realCliPaths.codex }, inheritEnv: false, env: agentEnv }),
      });
      const run = await executor.run(definition, {});
      return { run, journal: await store.getJournal(run.id), store };
    }

    it('returns a valid answer as typed data.json, and shows the agent the schema', async () => {
      const dir = await tempDir();
      const before = api.requests.length;
      const definition = await inlineDefinition(dir, 'review', {
        name: 'Review',
        phases: ['review'],
        async execute(ctx) {
          const review = await ctx.step('review', {
            phase: 'review',
            agent: 'codex',
            prompt: 'SCN_JSON_OK Summarise the change.',
            output: z.object({ summary: z.string(), files: z.array(z.string()) }),
          });
          // Typed: `files` is string[] here, a compile error if the schema said otherwise.
          const files: string[] = review.data.json.files;
          return { count: files.length, summary: review.data.json.summary };
        },
      });
      const { run, journal } = await execute(definition, dir);
      expect(run.error ?? null).toBeNull();
      expect(run).toMatchObject({ status: 'completed', output: { count: 2, summary: 'Two files changed' } });
      const requests = api.requests.slice(before);
      expect(requests).toHaveLength(1);
      const sent = describeCodexTurn(requests[0]!).prompt;
      expect(sent).toContain('SCN_JSON_OK Summarise the change.');
      expect(sent).toContain('"files": {');
      // The journal keeps the answer's JSON with the step, so a replay returns it without the agent; its input shows
      // the JSON schema, not the zod object.
      expect(journal[0]!.result?.data).toMatchObject({
        json: { summary: 'Two files changed', files: ['a.ts', 'b.ts'] },
      });
      expect(journal[0]!.input).toMatchObject({
        output: { type: 'object', properties: { summary: { type: 'string' } } },
      });
    });

    it('retries an invalid answer once in the same thread, with the error naming the field', async () => {
      const dir = await tempDir();
      const before = api.requests.length;
      const definition = await inlineDefinition(dir, 'fix', {
        name: 'Fix',
        phases: ['work'],
        async execute(ctx) {
          const step = await ctx.step('plan', {
            phase: 'work',
            agent: 'codex',
            prompt: 'SCN_JSON_FIX Plan it.',
            output: z.object({ summary: z.string(), files: z.array(z.string()).min(1) }),
          });
          return step.data.json;
        },
      });
      const { run, journal } = await execute(definition, dir);
      expect(run).toMatchObject({ status: 'completed', output: { summary: 'Fixed', files: ['c.ts'] } });
      const [first, retry] = api.requests.slice(before);
      expect(api.requests.length - before).toBe(2);
      const retryTurn = describeCodexTurn(retry!);
      expect(retryTurn.prompt).toContain('Your answer could not be used');
      expect(retryTurn.prompt).toContain('files: ');
      // Resumed, not started over: the retry carries the first request's items and the first answer.
      expect(JSON.stringify(retry!.input)).toContain('Forgot the files');
      expect(retry!.input.length).toBeGreaterThan(first!.input.length);
      const data = journal[0]!.result?.data as AgentResult & { json: unknown };
      expect(data.usage).toMatchObject({ input: 84, output: 34 }); // both turns were spent on the step
      const events = await readFile(join(dir, 'executions', run.id, 'logs', 'plan', 'events.jsonl'), 'utf8');
      const starts = events.split('\n').filter((line) => line.includes('"session.started"'));
      expect(starts).toHaveLength(2);
      expect(new Set(starts.map((line) => /"sessionId":"([^"]+)"/.exec(line)![1])).size).toBe(1);
    });

    it('fails the step with output_invalid when the retry is invalid too', async () => {
      const dir = await tempDir();
      const before = api.requests.length;
      const definition = await inlineDefinition(dir, 'bad', {
        name: 'Bad',
        phases: ['work'],
        async execute(ctx) {
          await ctx.step('answer', {
            phase: 'work',
            agent: 'codex',
            prompt: 'SCN_JSON_BAD Answer.',
            output: z.object({ answer: z.string() }),
          });
        },
      });
      const { run, journal } = await execute(definition, dir);
      expect(run.status).toBe('failed');
      expect(api.requests.length - before).toBe(2);
      expect(journal[0]).toMatchObject({
        status: 'failed',
        error: { code: 'output_invalid', message: expect.stringContaining('holds no JSON value') },
      });
      expect((journal[0]!.result?.data as AgentResult).text).toBe('Still no JSON, sorry.');
    });

    it('YAML output_schema: the answer is validated and later steps read steps.<id>.output.json', async () => {
      const dir = await tempDir();
      const file = join(dir, 'triage.yaml');
      const text = [
        'name: Triage',
        'phases: [triage, report]',
        'steps:',
        '  - id: triage',
        '    phase: triage',
        '    agent: codex',
        '    prompt: SCN_JSON_OK Triage the bug.',
        '    output_schema:',
        '      summary: { type: string, required: true }',
        '      files: { type: array, required: true, description: paths of the files to change }',
        '  - id: report',
        '    phase: report',
        '    command: ["echo", "{{ steps.triage.output.json.summary }}"]',
      ].join('\n');
      await writeFile(file, text);
      const definition = parseYamlTemplate(text, file);
      const { run, journal } = await execute(definition, dir);
      expect(run.status).toBe('completed');
      expect(journal.map((record) => record.status)).toEqual(['completed', 'completed']);
      expect(journal[1]!.result?.data).toMatchObject({ stdout: 'Two files changed\n' });
      expect(journal[0]!.input).toMatchObject({
        output: { properties: { files: { type: 'array', description: 'paths of the files to change' } } },
      });
    });
  },
);

// Gemini keeps sessions per HOME and cwd: the retry must come back to both.
describe.skipIf(!realCliInstalled('gemini'))(
  'an agent step with an output schema (the real Gemini CLI)',
  { timeout: 120_000 },
  () => {
    let api: FakeGeminiApi;
    let root: string;

    beforeAll(async () => {
      api = await startFakeGeminiApi({
        reply: ({ request, prompt }) => {
          if (!JSON.stringify(request.contents).includes('SCN_JSON_FIX')) return undefined;
          const retry = prompt.includes('Your answer could not be used');
          const answer = retry ? { verdict: 'approve' } : { verdict: 'maybe' };
          return { chunks: ['```json\n', `${JSON.stringify(answer)}\n`, '```'] };
        },
      });
      root = mkdtempSync(join(tmpdir(), 'structured-gemini-'));
    });

    afterAll(async () => {
      await api?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('retries an answer outside the enum in the same session', async () => {
      const home = join(root, 'home');
      const dir = join(root, 'project');
      mkdirSync(home);
      mkdirSync(dir);
      const executor = createExecutor({
        store: createMemoryRunStore(),
        events: recordingSink(),
        executionsDir: join(dir, '.executions'),
        workingDir: dir,
        agents: createAgentRunner({
          paths: { gemini: realCliPaths.gemini },
          inheritEnv: false,
          env: { ...geminiOffline(home, api.baseUrl), HOME: home },
        }),
      });
      const definition = await inlineDefinition(dir, 'review', {
        name: 'Review',
        phases: ['review'],
        async execute(ctx) {
          const review = await ctx.step('review', {
            phase: 'review',
            agent: 'gemini',
            prompt: 'SCN_JSON_FIX Review the change.',
            output: z.object({ verdict: z.enum(['approve', 'reject']) }),
          });
          return review.data.json;
        },
      });
      const run = await executor.run(definition, {});
      expect(run.error ?? null).toBeNull();
      expect(run).toMatchObject({ status: 'completed', output: { verdict: 'approve' } });
      const [first, retry] = api.requests;
      expect(api.requests).toHaveLength(2);
      // Resumed: the retry's conversation holds the first prompt and the first answer before the engine's message.
      const sent = JSON.stringify(retry!.contents);
      expect(sent).toContain('SCN_JSON_FIX Review the change.');
      expect(sent).toContain('\\"verdict\\":\\"maybe\\"');
      expect(sent).toContain('verdict: ');
      expect(retry!.contents.length).toBeGreaterThan(first!.contents.length);
    });
  },
);
