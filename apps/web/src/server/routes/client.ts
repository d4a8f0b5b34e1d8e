/**
 * The board: the built client (`dist/client`, see `scripts/buildClient.ts`) served on the API's port. Hashed assets
 * are cached for a year; every other GET that is not the API or the WebSocket is a client route and gets
 * `index.html`, uncached, so deep links survive a reload. `/` opens the server's own project.
 */
import { readFile, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const CLIENT_DIST = fileURLToPath(new URL('../../../dist/client', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchyard</title></head>
<body style="font:15px system-ui;margin:3rem"><h1>The board is not built</h1>
<p>Run <code>npm run build:client</code> (or <code>npm start</code>, which builds it), then reload.</p></body></html>`;

export interface ClientRoutesOptions {
  defaultProjectId: string;
  /** Where the built client lives; the package's `dist/client` unless a test says otherwise. */
  distDir?: string;
}

export async function clientRoutes(app: FastifyInstance, opts: ClientRoutesOptions): Promise<void> {
  const dist = opts.distDir ?? CLIENT_DIST;
  const assets = join(dist, 'assets');

  app.get('/', async (_request, reply) => reply.redirect(`/projects/${opts.defaultProjectId}/workflows`));

  app.get('/assets/*', async (request, reply) => {
    const wanted = normalize(join(assets, (request.params as { '*': string })['*']));
    if (!wanted.startsWith(assets + sep)) return reply.callNotFound();
    const info = await stat(wanted).catch(() => null);
    if (!info?.isFile()) return reply.callNotFound();
    reply.header('content-type', TYPES[extname(wanted)] ?? 'application/octet-stream');
    reply.header('content-length', info.size);
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    return reply.send(createReadStream(wanted));
  });

  const page = async (_request: unknown, reply: FastifyReply) => {
    reply.header('cache-control', 'no-cache');
    reply.header('content-type', 'text/html; charset=utf-8');
    const html = await readFile(join(dist, 'index.html'), 'utf8').catch(() => null);
    return reply.status(html === null ? 503 : 200).send(html ?? NOT_BUILT);
  };
  app.get('/projects', page);
  app.get('/projects/*', page);
  app.get('/favicon.svg', async (_request, reply) => {
    const file = join(dist, 'favicon.svg');
    const info = await stat(file).catch(() => null);
    if (!info) return reply.callNotFound();
    reply.header('content-type', TYPES['.svg']!);
    reply.header('cache-control', 'public, max-age=86400');
    return reply.send(createReadStream(file));
  });
}
