/** Parsing wire data at the boundary: a zod failure becomes an {@link InvalidInputError} naming each field. */
import type { z } from 'zod';
import { InvalidInputError } from '../../errors.ts';

function fieldPath(path: PropertyKey[], prefix: string): string {
  return path.reduce<string>((joined, key) => {
    if (typeof key === 'number') return `${joined}[${key}]`;
    return joined ? `${joined}.${String(key)}` : String(key);
  }, prefix);
}

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidInputError(
    result.error.issues.map((i) => ({ field: fieldPath(i.path, prefix), message: i.message })),
  );
}
