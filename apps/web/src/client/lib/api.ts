/**
 * The REST client: every answer is parsed with the protocol's own zod schema, so a drift between server and board
 * fails loudly here instead of rendering nonsense. Errors become `ApiError`, carrying the envelope's field issues.
 */
import type { z } from 'zod';
import { ErrorEnvelope } from '../../protocol/common.ts';
import type { FieldIssue } from '../../protocol/common.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function failure(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const { error } = ErrorEnvelope.parse(JSON.parse(text));
    return new ApiError(response.status, error.code, error.message, error.details.fields ?? []);
  } catch {
    return new ApiError(response.status, 'http_error', `${response.status} ${response.statusText}`);
  }
}

export async function apiRequest<T extends z.ZodType>(
  schema: T,
  path: string,
  init: { method?: string; body?: unknown; form?: FormData; signal?: AbortSignal } = {},
): Promise<z.infer<T>> {
  const headers: Record<string, string> = {};
  let body: BodyInit | undefined;
  if (init.form) body = init.form;
  else if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  const response = await fetch(path, { method: init.method ?? 'GET', headers, body, signal: init.signal });
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return schema.parse(undefined);
  return schema.parse(await response.json());
}

/** A text answer (step logs), or null when the log does not exist yet. */
export async function apiText(path: string, signal?: AbortSignal): Promise<string | null> {
  const response = await fetch(path, { signal });
  if (response.status === 404) return null;
  if (!response.ok) throw await failure(response);
  return response.text();
}
