/**
 * The malformed-input corpus (`test/corpus/*.json`, data files): request bodies, query and path parameters,
 * headers, multipart uploads, WebSocket frames and template files, each sent to a real server over real HTTP. Every
 * case must get a 4xx answer (or the documented status) in the error envelope — never a 5xx, a crash or a hang —
 * the server must keep answering, and no file may land outside the project's data directory.
 *
 * Placeholders in the data: `{run}`, `{step}`, `{template}`, `{gated}`, `{gated_step}`, `{comment}`, `{artifact}`
 * and `{project}` name real rows made below; `{{repeat:c:N}}` is the character `c` N times.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorEnvelope } from '../../src/protocol/common.ts';
import { DATABASE_KINDS } from './databases.ts';
import { startTestServer } from './serverHarness.ts';
import type { TestServer } from './serverHarness.ts';

const CORPUS = fileURLToPath(new URL('../corpus/', import.meta.url));
const ANSWER_WITHIN_MS = 10_000;

interface HttpCase {
  name: string;
  method: string;
  path: string;
  json?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status?: number;
  mustNotExist?: string;
}
interface FrameCase {
  name: string;
  frame: string;
  binary: boolean;
  expect: 'error' | 'close' | 'pong';
}
interface TemplateCase {
  name: string;
  file: string;
  text: string;
  valid?: boolean;
  ignored?: boolean;
}

const load = <T>(file: string): T[] => JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as T[];
const HTTP_FILES = ['bodies.json', 'params.json', 'headers.json', 'multipart.json'];
const httpCases = HTTP_FILES.map((file) => [file, load<HttpCase>(file)] as const);
const frameCases = load<FrameCase>('websocket.json');
const templateCases = load<TemplateCase>('templates.json');

let values: Record<string, string> = {};
function expand(text: string): string {
  return text
    .replace(/\{\{repeat:([\s\S]):(\d+)\}\}/g, (_all, char: string, count: string) => char.repeat(Number(count)))
    .replace(/\{(run|step|template|gated|gated_step|comment|artifact|project)\}/g, (_all, key: string) => values[key]!);
}
const expandDeep = (value: unknown): unknown =>
  typeof value === 'string'
    ? expand(value)
    : Array.isArray(value)
      ? value.map(expandDeep)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [expand(k), expandDeep(v)]))
        : value;

function send(url: string, testCase: HttpCase): Promise<{ status: number; body: string }> {
  const { port, host } = new URL(url);
  const body =
    testCase.raw !== undefined
      ? expand(testCase.raw)
      : testCase.json !== undefined
        ? JSON.stringify(expandDeep(testCase.json))
        : undefined;
  const headers: Record<string, string> = {
    host,
    ...(testCase.json !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(testCase.headers ? (expandDeep(testCase.headers) as Record<string, string>) : {}),
    ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS);
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, method: testCase.method, path: expand(testCase.path), headers },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode!, body: text });
        });
      },
    );
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(body);
  });
}

describe('the malformed-input corpus against a real server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(DATABASE_KINDS[0]!);
    const template = await t.definitionId('simple-pipeline');
    const run = await t.api<{ id: string }>('POST', '/api/workflow-executions', { workflow_definition_id: template });
    const done = await t.waitForRun(run.body.id, (r) => r.status === 'completed');
    const gated = await t.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await t.definitionId('gated'),
    });
    const waiting = await t.waitForRun(gated.body.id, (r) => r.status === 'waiting');
    const comment = await t.api<{ id: string }>('POST', `/api/workflow-executions/${done.id}/comments`, { text: 'hi' });
    const form = new FormData();
    form.set('workflow_run_step_id', done.steps[0]!.id);
    form.set('file', new Blob(['0123456789'], { type: 'text/plain' }), 'digits.txt');
    const artifact = (await (
      await fetch(`${t.url}/api/workflow-executions/${done.id}/artifacts`, { method: 'POST', body: form })
    ).json()) as { id: string };
    const projects = await t.api<{ data: { id: string }[] }>('GET', '/api/projects');
    values = {
      run: done.id,
      step: done.steps[0]!.id,
      template,
      gated: waiting.id,
      gated_step: waiting.steps[0]!.id,
      comment: comment.body.id,
      artifact: artifact.id,
      project: projects.body.data[0]!.id,
    };
  });
  afterAll(async () => {
    await t?.close();
  });

  it('holds at least 250 cases, each with a name of its own', () => {
    const all = [...httpCases.flatMap(([, cases]) => cases), ...frameCases, ...templateCases];
    expect(all.length).toBeGreaterThanOrEqual(250);
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
  });

  describe.each(httpCases)('%s', (_file, cases) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
      const answer = await send(t.url, testCase);
      const shown = answer.body.slice(0, 300);
      if (testCase.status) {
        expect(answer.status, shown).toBe(testCase.status);
      } else {
        expect(answer.status, shown).toBeGreaterThanOrEqual(400);
        expect(answer.status, shown).toBeLessThan(500);
        expect(ErrorEnvelope.safeParse(JSON.parse(answer.body)).success, shown).toBe(true);
      }
      if (testCase.mustNotExist) expect(existsSync(testCase.mustNotExist)).toBe(false);
    });

    it('leaves the server answering', async () => {
      expect((await t.api('GET', '/api/health')).status).toBe(200);
    });
  });

  it.each(frameCases.map((c) => [c.name, c] as const))('WebSocket frame: %s', async (_name, testCase) => {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/ws`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const outcome = new Promise<{ type: string; code?: string } | { closed: number }>((resolve) => {
      socket.once('message', (raw) => {
        const message = JSON.parse(String(raw)) as { type: string; error?: { code: string } };
        resolve({ type: message.type, code: message.error?.code });
      });
      socket.once('close', (code) => resolve({ closed: code }));
    });
    const frame = expand(testCase.frame);
    socket.send(testCase.binary ? Buffer.from(frame, 'base64') : frame, { binary: testCase.binary });
    const result = await outcome;
    socket.close();
    if (testCase.expect === 'close') expect(result).toEqual({ closed: 1009 });
    else if (testCase.expect === 'pong') expect(result).toMatchObject({ type: 'pong' });
    else expect(result).toMatchObject({ type: 'error', code: expect.stringMatching(/^[a-z_]+$/) });
  });

  it('lists every malformed template as invalid with its reason, refuses to run it, and keeps answering', async () => {
    const definitions = join(t.projectDir, '.agent', 'workflows', 'definitions');
    for (const testCase of templateCases) await writeFile(join(definitions, testCase.file), expand(testCase.text));
    const expected = templateCases.filter((c) => !c.ignored).map((c) => c.file.replace(/\.(ya?ml|ts)$/, ''));
    type Listed = { id: string; identifier: string; error: string | null };
    let listed: Listed[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      listed = (await t.api<{ data: Listed[] }>('GET', '/api/workflow-definitions')).body.data;
      if (expected.every((id) => listed.some((d) => d.identifier === id))) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const testCase of templateCases) {
      const identifier = testCase.file.replace(/\.(ya?ml|ts)$/, '');
      const row = listed.find((d) => d.identifier === identifier);
      if (testCase.ignored) {
        expect(row, testCase.name).toBeUndefined();
        continue;
      }
      expect(row, testCase.name).toBeDefined();
      if (testCase.valid) {
        expect(row!.error, testCase.name).toBeNull();
        continue;
      }
      expect(row!.error, testCase.name).toMatch(new RegExp(testCase.file.replace('.', '\\.')));
      const created = await t.api<{ error: { code: string } }>('POST', '/api/workflow-executions', {
        workflow_definition_id: row!.id,
      });
      expect(created.status, testCase.name).toBe(422);
      expect(created.body.error.code).toBe('template_invalid');
    }
    expect((await t.api('GET', '/api/health')).status).toBe(200);
  });
});
