/**
 * The server as a hostile web page and a careless client would meet it, over real HTTP on a real server: DNS
 * rebinding, cross-site requests, refused WebSocket upgrades, the token, and the headers on every answer.
 */
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openDatabase } from '../../src/server/db/connection.ts';
import { startServer } from '../../src/server/serve.ts';
import type { RunningServer } from '../../src/server/serve.ts';
import { makeProject, startTestServer } from './serverHarness.ts';
import type { TestServer } from './serverHarness.ts';
import { DATABASE_KINDS } from './databases.ts';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with exactly these headers, Host included — what fetch will not let a test forge. */
function raw(url: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  const { port } = new URL(url);
  return new Promise<RawAnswer>((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Whether the server closes a socket that asked to upgrade `path` and was refused, within two seconds. */
async function upgradeIsClosed(url: string, path: string, headers: Record<string, string> = {}) {
  const { port, host } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  let answer = '';
  const outcome = new Promise<'closed' | 'left open'>((resolve) => {
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('close', () => resolve('closed'));
    setTimeout(() => resolve('left open'), 2_000);
  });
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${headers.host ?? host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers)
      .filter(([name]) => name !== 'host')
      .map(([name, value]) => `${name}: ${value}`),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const result = await outcome;
  socket.destroy();
  return { result, status: Number(answer.split(' ')[1]) };
}

const kind = DATABASE_KINDS[0]!;

describe('a server on loopback, as a hostile page meets it', () => {
  let t: TestServer;
  let host: string;
  let gatedRun: string;
  beforeAll(async () => {
    t = await startTestServer(kind);
    host = new URL(t.url).host;
    const created = await t.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await t.definitionId('gated'),
    });
    gatedRun = created.body.id;
    await t.waitForRun(gatedRun, (run) => run.status === 'waiting');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a DNS-rebound request (a foreign Host) before any route runs, so no command runs', async () => {
    const marker = join(t.projectDir, 'pwned');
    const body = JSON.stringify({
      workflow_definition_id: await t.definitionId('fix-bug'),
      args: { issue: 'x', reproduce: `touch ${marker}` },
    });
    const port = new URL(t.url).port;
    const answer = await raw(
      t.url,
      'POST',
      '/api/workflow-executions',
      { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, 'content-type': 'application/json' },
      body,
    );
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error).toMatchObject({
      code: 'host_forbidden',
      details: { fields: [{ field: 'host' }] },
    });
    const reads = await raw(t.url, 'GET', '/api/workflow-executions', { host: `evil.example:${port}` });
    expect(reads.status).toBe(403);
    const runs = await t.api<{ pagination: { total: number } }>('GET', '/api/workflow-executions');
    expect(runs.body.pagination.total).toBe(1);
    await sleep(300);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a WebSocket upgrade under a rebound Host, and closes its socket', async () => {
    expect(await upgradeIsClosed(t.url, '/ws', { host: 'evil.example', origin: 'http://evil.example' })).toEqual({
      result: 'closed',
      status: 403,
    });
  });

  it.each([
    [
      'a cross-site JSON request',
      { origin: 'http://evil.example', 'content-type': 'application/json' },
      '{}',
      403,
      'origin_forbidden',
    ],
    [
      'a cross-site text/plain form',
      { origin: 'http://evil.example', 'content-type': 'text/plain' },
      'x',
      403,
      'origin_forbidden',
    ],
    ['a text/plain body without Origin', { 'content-type': 'text/plain' }, '{}', 415, 'unsupported_media_type'],
    [
      'a urlencoded form from this origin',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'a=1',
      415,
      'unsupported_media_type',
    ],
    [
      'Origin "null" (a sandboxed page)',
      { origin: 'null', 'content-type': 'application/json' },
      '{}',
      403,
      'origin_forbidden',
    ],
  ])('refuses %s to approve a gate, which stays closed', async (_what, headers, body, status, code) => {
    const answer = await raw(t.url, 'POST', `/api/workflow-executions/${gatedRun}/advance`, { host, ...headers }, body);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body).error.code).toBe(code);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    const run = await t.api<{ status: string }>('GET', `/api/workflow-executions/${gatedRun}`);
    expect(run.body.status).toBe('waiting');
  });

  it('sends no CORS headers to a foreign preflight', async () => {
    const answer = await raw(t.url, 'OPTIONS', `/api/workflow-executions/${gatedRun}/advance`, {
      host,
      origin: 'http://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('takes a mutation from its own origin, and from programs that send no Origin', async () => {
    const commented = await raw(
      t.url,
      'POST',
      `/api/workflow-executions/${gatedRun}/comments`,
      { host, origin: t.url, 'content-type': 'application/json' },
      JSON.stringify({ text: 'from the board' }),
    );
    expect(commented.status).toBe(201);
    const bodiless = await raw(t.url, 'POST', `/api/workflow-executions/${gatedRun}/pause`, { host });
    expect(bodiless.status).toBe(409); // a waiting run cannot pause: the request reached the route
    expect(JSON.parse(bodiless.body).error.code).toBe('invalid_transition');
  });

  it('answers and closes every refused upgrade instead of leaving its socket open', async () => {
    for (const path of [
      '/nope',
      '/api/health',
      `/api/workflow-executions/${gatedRun}`,
      '/api/workflow-executions/not-a-uuid',
    ]) {
      expect((await upgradeIsClosed(t.url, path)).result, path).toBe('closed');
    }
    // Hundreds of them leave the server answering as before.
    await Promise.all(Array.from({ length: 300 }, () => upgradeIsClosed(t.url, '/nope')));
    expect((await t.api('GET', '/api/health')).status).toBe(200);
  });

  it('answers a flood of WebSocket frames with rate_limited, drops it unread, and closes a socket that keeps on', async () => {
    const projects = await t.api<{ data: { id: string }[] }>('GET', '/api/projects');
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/ws`);
    const frames: { type: string; error?: { code: string } }[] = [];
    socket.on('message', (raw) => frames.push(JSON.parse(String(raw))));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('open', resolve));
    const subscribe = JSON.stringify({ type: 'subscribe', project_id: projects.body.data[0]!.id });
    for (let i = 0; i < 1_000; i++) socket.send(subscribe);
    expect(await closed).toBe(1008);
    const subscribed = frames.filter((f) => f.type === 'subscribed').length;
    // At most a burst's worth were handled at all; the socket closed before most of those were answered.
    expect(subscribed).toBeLessThanOrEqual(50);
    expect(frames.some((f) => f.type === 'error' && f.error?.code === 'rate_limited')).toBe(true);
    expect((await t.api('GET', '/api/health')).status).toBe(200);
  });

  it('puts a strict content security policy and the other protective headers on every answer', async () => {
    for (const path of ['/api/health', '/api/no-such-route', '/']) {
      const answer = await raw(t.url, 'GET', path, { host });
      expect(answer.headers['content-security-policy'], path).toContain("default-src 'self'");
      expect(answer.headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
      expect(answer.headers['x-frame-options'], path).toBe('DENY');
      expect(answer.headers['x-content-type-options'], path).toBe('nosniff');
      expect(answer.headers['referrer-policy'], path).toBe('no-referrer');
    }
  });
});

describe('a server with a token', () => {
  const token = 'test-token-0123456789';
  let server: RunningServer;
  let host: string;
  beforeAll(async () => {
    server = await startServer({
      projectDir: await makeProject(),
      port: 0,
      database: await openDatabase({}),
      token,
      allowedHosts: ['switchyard.internal'],
    });
    host = new URL(server.url).host;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses the API without the token, and takes ?token= on the WebSocket only', async () => {
    expect((await raw(server.url, 'GET', '/api/workflow-executions', { host })).status).toBe(401);
    const viaQuery = await raw(server.url, 'GET', `/api/workflow-executions?token=${token}`, { host });
    expect(viaQuery.status).toBe(401);
    const viaHeader = await raw(server.url, 'GET', '/api/workflow-executions', {
      host,
      authorization: `Bearer ${token}`,
    });
    expect(viaHeader.status).toBe(200);
    const wrong = await raw(server.url, 'GET', '/api/workflow-executions', { host, authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=${token}`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.close();
    expect(await upgradeIsClosed(server.url, '/ws')).toEqual({ result: 'closed', status: 401 });
  });

  it('sends a person to the login page, which sets an HttpOnly cookie that then opens the API', async () => {
    const page = await raw(server.url, 'GET', '/projects/x/workflows', { host });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Fprojects%2Fx%2Fworkflows');
    const login = await raw(server.url, 'GET', '/login', { host });
    expect(login.status).toBe(200);
    expect(login.body).toContain('<form id="login">');
    const refused = await raw(
      server.url,
      'POST',
      '/api/session',
      { host, 'content-type': 'application/json' },
      JSON.stringify({ token: 'nope' }),
    );
    expect(refused.status).toBe(401);
    const session = await raw(
      server.url,
      'POST',
      '/api/session',
      { host, origin: server.url, 'content-type': 'application/json' },
      JSON.stringify({ token }),
    );
    expect(session.status).toBe(204);
    const cookie = String(session.headers['set-cookie']);
    expect(cookie).toMatch(/^switchyard_token=.+; HttpOnly; SameSite=Strict; Path=\//);
    const withCookie = await raw(server.url, 'GET', '/api/workflow-executions', {
      host,
      cookie: cookie.split(';')[0]!,
    });
    expect(withCookie.status).toBe(200);
  });

  it('answers to a host allowed with --allowed-host', async () => {
    const answer = await raw(server.url, 'GET', '/api/health', {
      host: `switchyard.internal:${new URL(server.url).port}`,
    });
    expect(answer.status).toBe(200);
    expect((await raw(server.url, 'GET', '/api/health', { host: 'other.internal' })).status).toBe(403);
  });
});
