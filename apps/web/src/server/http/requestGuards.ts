/**
 * What every request must pass before any route sees it. A browser will send a request to this server from any
 * page the user visits — by DNS rebinding (a hostile name resolving to 127.0.0.1) or as a cross-site "simple"
 * request — and the API can run commands. So:
 *
 * - the Host must be one this server serves (loopback names, the bound address, and `--allowed-host`s), which a
 *   rebound name never is;
 * - a mutation that carries an Origin (browsers always send one cross-site) must come from this server's own
 *   origin; requests without Origin (the command line, curl) are not from a page and pass;
 * - a mutation's body is JSON (multipart on the upload route, which checks that itself) — never text/plain or a
 *   form, the encodings a page can send without a preflight.
 */
import { hostname, networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, UnsupportedMediaTypeError } from '../../errors.ts';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A host name or IPv4 address, or a bracketed IPv6 address, with an optional port: nothing else is a Host. */
const HOST_HEADER = /^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** A Host header's or URL's host name, lower-case, without port or IPv6 brackets; undefined when not a host. */
export function hostNameOf(hostHeader: string): string | undefined {
  if (!HOST_HEADER.test(hostHeader)) return undefined;
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The host names a server bound to `bind` answers to: loopback always; the bound address; for a wildcard bind,
 * this machine's name and interface addresses; plus those the user allows (`--allowed-host`).
 */
export function allowedHostNames(bind: string, extra: readonly string[] = []): string[] {
  const names = new Set([...LOOPBACK_HOSTS, ...extra.map((name) => hostNameOf(name) ?? name.toLowerCase())]);
  if (WILDCARD_BINDS.has(bind)) {
    names.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) names.add(address.address.toLowerCase());
    }
  } else {
    names.add(hostNameOf(bind) ?? bind.toLowerCase());
  }
  return [...names];
}

function isUpload(request: FastifyRequest): boolean {
  return request.method === 'POST' && /^\/api\/workflow-executions\/[^/?]+\/artifacts\/?(\?|$)/.test(request.url);
}

/** True when `origin` is the origin of the request's own (already allowed) Host. */
function sameOrigin(origin: string, host: string): boolean {
  try {
    const parsed = new URL(origin);
    // Parsed with the Origin's scheme so a default port written out on one side still compares equal.
    return new URL(`${parsed.protocol}//${host}`).host === parsed.host;
  } catch {
    return false;
  }
}

export function registerRequestGuards(app: FastifyInstance, allowedHosts: readonly string[]): void {
  const allowed = new Set(allowedHosts);
  // Fastify parses text/plain by default; nothing here takes it, and it is what a page can send without asking.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request) => {
    const host = request.headers.host ?? '';
    const name = hostNameOf(host);
    if (!name || !allowed.has(name)) {
      throw new ForbiddenError(
        'host_forbidden',
        `this server does not answer to host "${host}"; allow it with --allowed-host or SWITCHYARD_ALLOWED_HOSTS`,
        'host',
      );
    }
    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, host)) {
      throw new ForbiddenError(
        'origin_forbidden',
        `requests from origin ${origin} may not change anything here`,
        'origin',
      );
    }
    // The upload route takes multipart and says so itself, naming the file part it expects.
    if (isUpload(request)) return;
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody && !type) return;
    if (type !== 'application/json') {
      throw new UnsupportedMediaTypeError(
        `${request.method} ${request.url.split('?')[0]} takes application/json, not ${type || 'a body without a content type'}`,
        'content-type',
        'must be application/json',
      );
    }
  });
}
