/**
 * `--arg key=value` → a run's args. The command line only sees strings; the template's JSON schema says what
 * each field is, so `--arg count=3` becomes a number and `--arg skipTests=true` a boolean. The template's own
 * schema validates the result afterwards.
 */
import { UsageError } from '../errors.ts';

type JsonSchema = Record<string, unknown>;

export function parseArgValues(schema: JsonSchema, pairs: string[], json: string | undefined): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new UsageError(`--args-json is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new UsageError('--args-json must be a JSON object');
    Object.assign(args, parsed);
  }
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--arg ${pair}: expected key=value`);
    const key = pair.slice(0, at);
    args[key] = convert(key, pair.slice(at + 1), properties[key]);
  }
  return args;
}

function typesOf(schema: JsonSchema | undefined): string[] {
  if (!schema) return [];
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type as string[];
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  return variants ? variants.flatMap(typesOf) : [];
}

function convert(key: string, raw: string, schema: JsonSchema | undefined): unknown {
  const types = typesOf(schema);
  if (types.includes('string') || types.length === 0) return raw;
  if (types.includes('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  if ((types.includes('number') || types.includes('integer')) && raw.trim() !== '' && !Number.isNaN(Number(raw)))
    return Number(raw);
  if (types.includes('array') || types.includes('object')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new UsageError(`--arg ${key}: expected JSON (${types.join(' or ')}), got ${raw}`);
    }
  }
  throw new UsageError(`--arg ${key}: expected ${types.join(' or ')}, got "${raw}"`);
}
