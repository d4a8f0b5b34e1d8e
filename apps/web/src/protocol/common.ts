/**
 * Shapes every part of the API shares: ids, timestamps, the error envelope and pagination. The server, the
 * command line and the board import these schemas; the types are inferred from them, never written twice.
 */
import { z } from 'zod';

// PostgreSQL's uuid type takes any 8-4-4-4-12 hex string, so the API does not insist on an RFC 4122 version.
export const uuid = () => z.guid({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a uuid') });

/** Every timestamp the API answers: ISO 8601 in UTC (`2026-12-01T21:32:37.123Z`). */
export const timestamp = () => z.iso.datetime();

export const IdParams = z.object({ id: uuid() });

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
