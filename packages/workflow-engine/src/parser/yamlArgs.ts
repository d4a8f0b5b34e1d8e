/**
 * A YAML template's `args:` map → a zod schema (validates a run's args, applies defaults) and a JSON schema (drives
 * the UI's run form). Built side by side so each says exactly what the template declared.
 */
import { z } from 'zod';
import type { ArgsSchema, JsonSchema } from '../types/workflow.ts';
import { describeValue, strictObject } from './issues.ts';
import type { PathIssue } from './issues.ts';
import type { ArgType, YamlArg } from './yamlSchema.ts';

function matchesType(type: ArgType, value: unknown): boolean {
  switch (type) {
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function baseSchema(type: ArgType): z.ZodType {
  switch (type) {
    case 'string':
      return z.string();
    case 'number':
      return z.number();
    case 'boolean':
      return z.boolean();
    case 'array':
      return z.array(z.unknown());
    case 'object':
      return z.record(z.string(), z.unknown());
  }
}

/**
 * `root` is where the fields sit in the document, for issue paths (`args`, or a step's `output_schema`); `strict`
 * refuses unknown fields (a run's args) instead of dropping them (an agent's answer with an extra field).
 */
export function buildArgs(
  args: Record<string, YamlArg>,
  { root = ['args'], strict = true }: { root?: PropertyKey[]; strict?: boolean } = {},
): {
  schema: ArgsSchema;
  jsonSchema: JsonSchema;
  issues: PathIssue[];
} {
  const issues: PathIssue[] = [];
  const shape: Record<string, z.ZodType> = {};
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];

  for (const [name, arg] of Object.entries(args)) {
    const at = (field: string): PropertyKey[] => [...root, name, field];
    const issuesBefore = issues.length;
    const enumValues = arg.enum as (string | number | boolean)[] | undefined;
    if (enumValues) {
      if (arg.type === 'array' || arg.type === 'object') {
        issues.push({ path: at('enum'), message: `enum is for string, number or boolean args, not ${arg.type}` });
      } else {
        enumValues.forEach((value, index) => {
          if (!matchesType(arg.type, value)) {
            issues.push({
              path: [...at('enum'), index],
              message: `expected ${arg.type} (the arg's type), received ${describeValue(value)}`,
            });
          }
        });
      }
    }
    if (arg.default !== undefined) {
      if (!matchesType(arg.type, arg.default)) {
        issues.push({
          path: at('default'),
          message: `expected ${arg.type} (the arg's type), received ${describeValue(arg.default)}`,
        });
      } else if (enumValues && !enumValues.includes(arg.default as string | number | boolean)) {
        issues.push({
          path: at('default'),
          message: `${JSON.stringify(arg.default)} is not one of the enum values (${enumValues.map((v) => JSON.stringify(v)).join(', ')})`,
        });
      }
    }

    let schema = enumValues && issues.length === issuesBefore ? z.literal(enumValues) : baseSchema(arg.type);
    if (arg.description) schema = schema.describe(arg.description);
    if (arg.default !== undefined) schema = schema.default(arg.default);
    else if (!arg.required) schema = schema.optional();
    shape[name] = schema;

    properties[name] = {
      type: arg.type,
      ...(arg.description ? { description: arg.description } : {}),
      ...(enumValues ? { enum: enumValues } : {}),
      ...(arg.default !== undefined ? { default: arg.default } : {}),
    };
    if (arg.required && arg.default === undefined) required.push(name);
  }

  return {
    // Strict: an unknown arg is a typo in a CLI flag or an API call, better refused than silently dropped.
    schema: strict ? strictObject(shape) : z.object(shape),
    jsonSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties,
      ...(required.length ? { required } : {}),
      ...(strict ? { additionalProperties: false } : {}),
    },
    issues,
  };
}
