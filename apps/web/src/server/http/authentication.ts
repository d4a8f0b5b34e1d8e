/**
 * A server that listens beyond loopback requires its token (`SWITCHYARD_TOKEN`). Programs send it as
 * `Authorization: Bearer <token>`; a browser signs in once on `/login` and then carries it in an HttpOnly,
 * SameSite=Strict cookie that page scripts cannot read. `?token=` is taken on the WebSocket upgrade only, where a
 * browser cannot set headers — never on other routes, where it would end up in logs and histories.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UnauthorizedError } from '../../errors.ts';
import { parseInput } from './parseInput.ts';

export const TOKEN_COOKIE = 'switchyard_token';
const SessionBody = z.object({ token: z.string({ error: 'is required' }).min(1, 'must not be empty') });

function sameSecret(given: string | undefined, expected: Buffer): boolean {
  if (given === undefined) return false;
  const bytes = Buffer.from(given);
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function tokenOf(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length);
  const cookie = cookieValue(request, TOKEN_COOKIE);
  if (cookie !== undefined) return cookie;
  if (request.url.split('?')[0] === '/ws') return (request.query as { token?: string }).token;
  return undefined;
}

const LOGIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Switchyard</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { display: grid; place-items: center; min-height: 100vh; margin: 0; background: Canvas; }
  form { display: grid; gap: .75rem; width: min(22rem, 90vw); padding: 2rem; border: 1px solid #8884; border-radius: 12px; }
  h1 { font-size: 1.25rem; margin: 0 0 .5rem; }
  input, button { font: inherit; padding: .6rem .75rem; border-radius: 8px; border: 1px solid #8886; }
  button { background: #4f46e5; color: white; border: 0; cursor: pointer; }
  p[role=alert] { color: #dc2626; margin: 0; min-height: 1.25em; }
</style></head>
<body><form id="login"><h1>Switchyard</h1>
<label for="token">This server needs its access token (SWITCHYARD_TOKEN).</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button><p role="alert" id="error"></p></form>
<script src="/login.js"></script></body></html>`;

const LOGIN_SCRIPT = `document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: document.getElementById('token').value }) });
  if (response.ok) { location.href = new URLSearchParams(location.search).get('next') || '/'; return; }
  document.getElementById('error').textContent = (await response.json()).error.message;
});`;

const PUBLIC_PATHS = new Set(['/login', '/login.js', '/api/session', '/api/health']);

export function registerAuthentication(app: FastifyInstance, token: string): void {
  const expected = Buffer.from(token);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (PUBLIC_PATHS.has(path) || sameSecret(tokenOf(request), expected)) return;
    // A person opening a page is sent to sign in; a program gets the error it can act on.
    if (request.method === 'GET' && !path.startsWith('/api/') && path !== '/ws') {
      return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
    }
    throw new UnauthorizedError('this server requires a token: send Authorization: Bearer <token>');
  });

  app.get('/login', async (_request, reply) => reply.type('text/html; charset=utf-8').send(LOGIN_PAGE));
  app.get('/login.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(LOGIN_SCRIPT));
  app.post('/api/session', async (request, reply) => {
    const { token: given } = parseInput(SessionBody, request.body ?? {});
    if (!sameSecret(given, expected)) throw new UnauthorizedError('that is not this server’s token');
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header(
      'set-cookie',
      `${TOKEN_COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/${secure}`,
    );
    return reply.status(204).send();
  });
}
