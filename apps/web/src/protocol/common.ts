/**
 * Shapes every part of the API shares: ids, timestamps, the error envelope and pagination. The server, the
 * command line and the board import these schemas; the types are inferred from them, never written twice.
 */
import { z } from 'zod';

// PostgreSQL's uuid type takes any 8-4-4-4-12 hex string, so the API does not insist on an RFC 4122 version.
export const uuid = () => z.guid({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a uuid') });

/** Every timestamp the API answers: ISO 8601 in UTC (`2026-12-01T21:32:37.123Z`). */
export const timestamp = () => z.iso.datetime();

/** An id in a URL, spelt as the database spells it (lower case) however the client wrote it. */
export const idParam = () => uuid().transform((id) => id.toLowerCase());

export const IdParams = z.object({ id: idParam() });

const NUL_MESSAGE = 'must not contain NUL characters';

/** Text the database stores: PostgreSQL's text and jsonb cannot hold a NUL character, so it is refused here. */
export const text = (params?: Parameters<typeof z.string>[0]) =>
  z.string(params).refine((value) => !value.includes('\0'), NUL_MESSAGE);

/** Where in a JSON value a string (or a key) holds a NUL, or undefined when none does. */
function nulPath(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = nulPath(item, [...path, index]);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = key.includes('\0') ? [...path, key] : nulPath(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** A JSON object the database stores as jsonb: no NUL in any key or string inside it. */
export const jsonObject = (error: string) =>
  z.record(z.string(), z.unknown(), { error }).superRefine((value, context) => {
    const path = nulPath(value);
    if (path) context.addIssue({ code: 'custom', message: NUL_MESSAGE, path });
  });

/** One offending field of a request: `args.retries`, `workflow_run_step_id`; empty for the whole body. */
export const FieldIssue = z.object({ field: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssue>;

/** Every non-2xx answer: `{ error: { code, message, details } }`, with `details.fields` naming what to fix. */
export const ErrorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.looseObject({ fields: z.array(FieldIssue).optional() }),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

export const Pagination = z.object({
  total: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  offset: z.number().int().nonnegative(),
});
export type Pagination = z.infer<typeof Pagination>;

/** `{ data: [...] }`, the envelope of every list. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
