/**
 * Errors at the HTTP edge. Inside, code throws typed errors (the engine's, or {@link ApiError}); one Fastify error
 * handler turns each into `{ error: { code, message, details } }` with a status chosen by its code.
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';

export interface FieldIssue {
  /** Field path like `args.retries` or `workflow_run_step_id`; empty for the whole body. */
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string, id: string) =>
  new ApiError(404, 'not_found', `no ${what} with id ${id}`, { resource: what, id });

export function invalidFields(issues: FieldIssue[], code = 'validation_failed'): ApiError {
  return new ApiError(400, code, issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; '), {
    fields: issues,
  });
}

function fieldPath(path: PropertyKey[], prefix: string): string {
  return path.reduce<string>((joined, key) => {
    if (typeof key === 'number') return `${joined}[${key}]`;
    return joined ? `${joined}.${String(key)}` : String(key);
  }, prefix);
}

/** Parses wire data with zod; a failure is a 400 naming each offending field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidFields(result.error.issues.map((i) => ({ field: fieldPath(i.path, prefix), message: i.message })));
}

/** Engine codes → HTTP statuses. Unknown errors are 500s whose message is logged, not sent. */
const STATUS_BY_CODE: Record<string, number> = {
  run_not_found: 404,
  args_invalid: 400,
  template_invalid: 422,
  invalid_transition: 409,
  lease_lost: 409,
  snapshot_immutable: 409,
};

interface CodedError {
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  issues?: unknown;
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: CodedError, request, reply) => {
    if (error instanceof ApiError) {
      return reply
        .status(error.status)
        .send({ error: { code: error.code, message: error.message, details: error.details } });
    }
    const code = typeof error.code === 'string' ? error.code : undefined;
    const message = String(error.message ?? 'error');
    if (code && code in STATUS_BY_CODE) {
      const details = Array.isArray(error.issues) ? { fields: error.issues } : {};
      return reply.status(STATUS_BY_CODE[code]!).send({ error: { code, message, details } });
    }
    // Fastify's own client errors (bad JSON, body too large, unsupported media type) carry a 4xx statusCode.
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply
        .status(status)
        .send({ error: { code: (code ?? 'bad_request').toLowerCase(), message, details: {} } });
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
