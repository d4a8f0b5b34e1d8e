/**
 * A row as the API sends it. Timestamps come back from the two drivers as PostgreSQL's text (`2026-11-25
 * 22:08:24.727+00`, microseconds on PostgreSQL, milliseconds on PGlite); the API always answers ISO 8601 in UTC.
 */
export function rowJson<T extends object>(row: T): T {
  const out = { ...row } as Record<string, unknown>;
  for (const [key, value] of Object.entries(out)) {
    if (key.endsWith('_at') && typeof value === 'string') out[key] = new Date(value).toISOString();
  }
  return out as T;
}
