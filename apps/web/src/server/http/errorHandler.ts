/**
 * Errors at the HTTP edge. Inside, code throws typed errors (the engine's, the agent SDK's, the web app's
 * `errors.ts`), each with a kind; this one handler answers `{ error: { code, message, details } }` with the status
 * its kind maps to in {@link HTTP_STATUS_BY_KIND}.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import { ERROR_KINDS } from '@switchyard/workflow-engine';
import { StorageError } from '../../errors.ts';
import type { ErrorKind } from '@switchyard/workflow-engine';

export const HTTP_STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  gone: 410,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  unprocessable: 422,
  failed: 422,
  unavailable: 503,
  insufficient_storage: 507,
};

interface TypedError {
  code: string;
  kind: ErrorKind;
  message: string;
  details?: Record<string, unknown>;
  /** The engine's template and args errors list their problems here. */
  issues?: unknown;
}

/** An error one of our packages threw on purpose: it has a code and a kind from the shared list. */
export function isTypedError(error: unknown): error is TypedError {
  const candidate = error as Partial<TypedError> | null;
  return (
    typeof candidate?.code === 'string' &&
    typeof candidate.kind === 'string' &&
    (ERROR_KINDS as readonly string[]).includes(candidate.kind)
  );
}

/** The status a typed error is answered with. */
export function httpStatusFor(error: TypedError): number {
  return HTTP_STATUS_BY_KIND[error.kind];
}

function detailsOf(error: TypedError): Record<string, unknown> {
  if (error.details) return error.details;
  return Array.isArray(error.issues) ? { fields: error.issues } : {};
}

function envelope(code: string, message: string) {
  return { error: { code, message, details: {} } };
}

/**
 * Errors Fastify meets before routing (a URL that does not decode, a bad constraint): answered in the envelope
 * too, so a client parses every error the same way.
 */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (error, _request, reply) => {
  const { statusCode, code } = error as { statusCode?: number; code?: string };
  const wireCode = code === 'FST_ERR_BAD_URL' ? 'bad_url' : (code ?? 'bad_request').toLowerCase();
  void (reply as FastifyReply).status(statusCode ?? 400).send(envelope(wireCode, error.message));
};

/** What Node's HTTP parser refuses before Fastify sees a request, answered in the envelope and closed. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return void socket.destroy();
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'the request line and headers are larger than 16 KB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'the request did not arrive in time']
        : [400, 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify(envelope(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${code.replace(/_/g, ' ')}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((thrown: unknown, request, reply) => {
    // A write the file system refused arrives as Node's own error; it is the server's storage, not the request.
    const error = StorageError.from(thrown) ?? thrown;
    if (isTypedError(error)) {
      if (error.kind === 'insufficient_storage') request.log.error({ err: thrown }, error.message);
      return reply
        .status(httpStatusFor(error))
        .send({ error: { code: error.code, message: error.message, details: detailsOf(error) } });
    }
    // Fastify's own client errors (bad JSON, body too large, unsupported media type) carry a 4xx statusCode.
    const { code, message, statusCode } = error as { code?: unknown; message?: unknown; statusCode?: unknown };
    const status = typeof statusCode === 'number' ? statusCode : 500;
    if (status >= 400 && status < 500) {
      const wireCode = typeof code === 'string' ? code.toLowerCase() : 'bad_request';
      return reply.status(status).send(envelope(wireCode, String(message)));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'internal server error', details: {} } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: { code: 'route_not_found', message: `no route ${request.method} ${request.url}`, details: {} },
    }),
  );
}
