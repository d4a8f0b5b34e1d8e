/**
 * Errors at the HTTP edge. Inside, code throws typed errors (the engine's, the agent SDK's, the web app's
 * `errors.ts`), each with a kind; this one handler answers `{ error: { code, message, details } }` with the status
 * its kind maps to in {@link HTTP_STATUS_BY_KIND}.
 */
import type { FastifyInstance } from 'fastify';
import { ERROR_KINDS } from '@switchyard/workflow-engine';
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

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    if (isTypedError(error)) {
      return reply
        .status(httpStatusFor(error))
        .send({ error: { code: error.code, message: error.message, details: detailsOf(error) } });
    }
    // Fastify's own client errors (bad JSON, body too large, unsupported media type) carry a 4xx statusCode.
    const { code, message, statusCode } = error as { code?: unknown; message?: unknown; statusCode?: unknown };
    const status = typeof statusCode === 'number' ? statusCode : 500;
    if (status >= 400 && status < 500) {
      const wireCode = typeof code === 'string' ? code.toLowerCase() : 'bad_request';
      return reply.status(status).send({ error: { code: wireCode, message: String(message), details: {} } });
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
