/**
 * Structured agent output: an agent step with `output` (a zod schema; YAML `output_schema:`) is asked to answer with
 * JSON, and its answer is extracted, validated and returned typed as `data.json`. An answer that does not pass gets
 * one more turn with the validation error — in the same session when the CLI gave one, so the agent sees what it
 * wrote — and fails the step with `output_invalid` if that answer does not pass either.
 */
import { z } from 'zod';
import type { JsonSchema } from '../types/workflow.ts';

/** What `output` accepts: any zod schema (its output type becomes `data.json`). */
export type OutputSchema = z.ZodType;

export function isOutputSchema(value: unknown): value is OutputSchema {
  return (
    typeof value === 'object' && value !== null && typeof (value as { safeParse?: unknown }).safeParse === 'function'
  );
}

/**
 * The JSON schema the agent is shown (and the board, in the step's input). A schema with parts JSON Schema cannot
 * say (a transform, a refinement) is shown as far as it can be; the zod schema still decides.
 */
export function outputJsonSchema(schema: OutputSchema): JsonSchema {
  const known = jsonSchemas.get(schema);
  if (known) return known;
  try {
    return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
  } catch {
    return {};
  }
}

/** YAML's `output_schema:` already has its JSON schema, built beside the zod one from the same fields. */
const jsonSchemas = new WeakMap<OutputSchema, JsonSchema>();

export function withJsonSchema(schema: OutputSchema, jsonSchema: JsonSchema): OutputSchema {
  jsonSchemas.set(schema, jsonSchema);
  return schema;
}

const schemaText = (schema: OutputSchema): string => {
  const { $schema: _ignored, ...rest } = outputJsonSchema(schema);
  return JSON.stringify(rest, null, 2);
};

/** The prompt with the answer format appended. */
export function promptForOutput(prompt: string, schema: OutputSchema): string {
  return [
    prompt,
    '',
    'When you have finished, end your answer with one JSON value that matches this JSON schema, in a ```json fenced',
    'code block, and put no other JSON block after it:',
    '',
    '```json',
    schemaText(schema),
    '```',
  ].join('\n');
}

/**
 * The second turn. In the same session the agent has its first answer before it, so the message only says what was
 * wrong; in a new session (a CLI that gave no session id) it carries the task again.
 */
export function retryPromptForOutput(
  problem: string,
  schema: OutputSchema,
  original: { prompt: string } | null,
): string {
  const fix = [
    `Your answer could not be used: ${problem}`,
    '',
    'Answer again with only the corrected JSON value in a ```json fenced code block. It must match this JSON schema:',
    '',
    '```json',
    schemaText(schema),
    '```',
  ].join('\n');
  return original ? `${promptForOutput(original.prompt, schema)}\n\n${fix}` : fix;
}

export type OutputCheck = { ok: true; value: unknown } | { ok: false; problem: string };

const FENCE = /```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n([\s\S]*?)\n?[ \t]*```/g;

/**
 * The JSON in an answer: the last fenced block that parses (```json first, then any other language tag), else the
 * whole answer, else the last balanced `{…}` or `[…]` in the text that parses.
 */
export function extractJson(text: string): { found: true; value: unknown } | { found: false } {
  const blocks = [...text.matchAll(FENCE)].map((match) => ({ lang: match[1]!.toLowerCase(), body: match[2]! }));
  const ordered = [
    ...blocks.filter((block) => block.lang === 'json'),
    ...blocks.filter((block) => block.lang !== 'json'),
  ];
  for (const block of ordered.reverse()) {
    const parsed = tryParse(block.body);
    if (parsed.found) return parsed;
  }
  const whole = tryParse(text);
  if (whole.found) return whole;
  for (const candidate of balancedCandidates(text).reverse()) {
    const parsed = tryParse(candidate);
    if (parsed.found) return parsed;
  }
  return { found: false };
}

function tryParse(text: string): { found: true; value: unknown } | { found: false } {
  const trimmed = text.trim();
  if (trimmed === '') return { found: false };
  try {
    return { found: true, value: JSON.parse(trimmed) as unknown };
  } catch {
    return { found: false };
  }
}

/** Top-level `{…}` and `[…]` spans, in order, skipping brackets inside strings. */
function balancedCandidates(text: string): string[] {
  const spans: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"' && depth > 0) inString = true;
    else if (char === '{' || char === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if ((char === '}' || char === ']') && depth > 0) {
      depth--;
      if (depth === 0) spans.push(text.slice(start, i + 1));
    }
  }
  return spans;
}

/** Extracts and validates; the problem names each failing field by its path, as the agent has to fix it. */
export function checkOutput(text: string, schema: OutputSchema): OutputCheck {
  const extracted = extractJson(text);
  if (!extracted.found) return { ok: false, problem: 'it holds no JSON value (expected a ```json fenced block)' };
  const parsed = schema.safeParse(extracted.value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(the value)';
    return `${path}: ${issue.message}`;
  });
  return { ok: false, problem: `the JSON does not match the schema — ${issues.join('; ')}` };
}
