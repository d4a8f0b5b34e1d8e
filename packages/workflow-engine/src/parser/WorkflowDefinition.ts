/**
 * The unified model both parsers produce: `defineWorkflow` for TypeScript templates, the validation the two
 * template kinds share, and what the engine does with a definition at run start (args) and for `definition.json`.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { ArgsValidationError, TemplateError } from '../errors.ts';
import type { TemplateIssue } from '../errors.ts';
import type { WorkflowContext } from '../types/context.ts';
import type {
  ArgsSchema,
  DefinitionSnapshot,
  JsonSchema,
  PhaseDefinition,
  TemplateSource,
  WorkflowDefinition,
} from '../types/workflow.ts';
import { formatPath, strictObject, zodIssues } from './issues.ts';
import type { PathIssue } from './issues.ts';

/**
 * Marks a `defineWorkflow` result. A registered symbol rather than a class: a template is loaded through jiti and
 * may see a different copy of this module (and of zod) than the engine that loads it, so `instanceof` would lie.
 */
export const WORKFLOW_BRAND: unique symbol = Symbol.for('switchyard.workflow');

export type PhaseInput = string | { id: string; label?: string; gate?: 'manual' };

/** What a TypeScript template passes to {@link defineWorkflow}. */
export interface WorkflowConfig<Schema extends z.ZodType = z.ZodObject<Record<string, never>>> {
  name: string;
  description?: string;
  /** The board's columns, in order: `'research'` or `{ id: 'review', label: 'Review', gate: 'manual' }`. */
  phases: PhaseInput[];
  /** The run's arguments; defaults to `z.object({})`. */
  args?: Schema;
  workspace?: 'worktree' | 'in-place';
  budget?: { maxCostUsd?: number; maxTurns?: number };
  execute(ctx: WorkflowContext<z.output<Schema>>, args: z.output<Schema>): Promise<unknown>;
}

export type DefinedWorkflow<Schema extends z.ZodType = z.ZodType> = WorkflowConfig<Schema> & {
  readonly [WORKFLOW_BRAND]: 1;
};

/**
 * Declares a TypeScript template: `export default defineWorkflow({ name, phases, args: z.object(…), execute })`.
 * `args` in `execute` is typed from the schema. Validation happens when the engine loads the file, so that errors
 * name it.
 */
export function defineWorkflow<Schema extends z.ZodType = z.ZodObject<Record<string, never>>>(
  config: WorkflowConfig<Schema>,
): DefinedWorkflow<Schema> {
  return { ...config, [WORKFLOW_BRAND]: 1 as const };
}

export function isDefinedWorkflow(value: unknown): value is DefinedWorkflow {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[WORKFLOW_BRAND] === 1;
}

// ── Validation shared by both template kinds ────────────────────────────────────────────────────────────────────

const SLUG = /^[a-z0-9][a-z0-9_-]*$/;

export const slugSchema = z
  .string()
  .regex(SLUG, { error: 'must be a slug: lowercase letters, digits, "-" and "_", starting with a letter or digit' });

export const nameSchema = z.string().trim().min(1);

const phaseObjectSchema = strictObject({
  id: slugSchema,
  label: z.string().min(1).optional(),
  gate: z
    .literal('manual', { error: (issue) => `the only gate is "manual", received ${JSON.stringify(issue.input)}` })
    .optional(),
});

export const phasesSchema = z
  .array(z.preprocess((value) => (typeof value === 'string' ? { id: value } : value), phaseObjectSchema))
  .min(1, { error: 'must declare at least one phase' })
  .superRefine((phases, ctx) => {
    const seen = new Map<string, number>();
    phases.forEach((phase, index) => {
      const first = seen.get(phase.id);
      if (first === undefined) seen.set(phase.id, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'id'],
          message: `duplicate phase id "${phase.id}" (first at phases[${first}])`,
        });
    });
  });

export const workspaceSchema = z.enum(['worktree', 'in-place']);

const argsSchemaLike = z.custom<ArgsSchema>(
  (value) => typeof value === 'object' && value !== null && typeof (value as ArgsSchema).safeParse === 'function',
  { error: 'must be a schema with safeParse, such as z.object({ … })' },
);

const codeConfigSchema = strictObject({
  name: nameSchema,
  description: z.string().optional(),
  phases: phasesSchema,
  args: argsSchemaLike.optional(),
  workspace: workspaceSchema.optional(),
  budget: strictObject({
    maxCostUsd: z.number().positive().optional(),
    maxTurns: z.number().int().positive().optional(),
  }).optional(),
  execute: z.custom<WorkflowDefinition['execute']>((value) => typeof value === 'function', {
    error: 'must be a function: async execute(ctx, args) { … }',
  }),
});

/** `research` → `Research`, `code-review` → `Code review`. */
export function phaseLabel(id: string): string {
  const words = id.replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function normalizePhases(phases: z.output<typeof phasesSchema>): PhaseDefinition[] {
  return phases.map((phase) => ({
    id: phase.id,
    label: phase.label ?? phaseLabel(phase.id),
    ...(phase.gate ? { gate: phase.gate } : {}),
  }));
}

/** `templates/Fix Bug.yaml` → `fix-bug`. */
export function templateIdFromPath(file: string): string {
  const base = path.basename(file).replace(/\.(ts|mts|ya?ml)$/i, '');
  return (
    base
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'template'
  );
}

export function contentHash(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Located issues → a `TemplateError`; `locate` gives line and column where the source allows, in source order. */
export function templateError(
  file: string,
  issues: PathIssue[],
  locate?: (issue: PathIssue) => { line: number; column: number } | undefined,
): TemplateError {
  const located = issues.map((issue): TemplateIssue => ({
    file,
    ...locate?.(issue),
    path: formatPath(issue.path),
    message: issue.message,
  }));
  const key = (issue: TemplateIssue) => (issue.line ?? 0) * 1e6 + (issue.column ?? 0);
  return new TemplateError(located.sort((a, b) => key(a) - key(b)));
}

/**
 * Validates a `defineWorkflow` config and builds the definition. Throws a `TemplateError` naming `source.path` and
 * each bad field (`phases[1].id: …`).
 */
export function definitionFromConfig(config: DefinedWorkflow, source: TemplateSource): WorkflowDefinition {
  const parsed = codeConfigSchema.safeParse({ ...config }, { reportInput: true });
  if (!parsed.success) throw templateError(source.path, zodIssues(parsed.error.issues));
  const valid = parsed.data;
  const schema: ArgsSchema = valid.args ?? z.object({});
  return {
    id: templateIdFromPath(source.path),
    name: valid.name,
    ...(valid.description !== undefined ? { description: valid.description } : {}),
    source,
    phases: normalizePhases(valid.phases),
    args: { schema, jsonSchema: argsJsonSchema(schema) },
    ...(valid.workspace ? { workspace: valid.workspace } : {}),
    ...(valid.budget ? { budget: valid.budget } : {}),
    execute: async (ctx, args) => valid.execute(ctx, args),
  };
}

// ── Using a definition ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * The JSON schema of a run's args (it drives the UI's run form), from zod 4's `z.toJSONSchema` in input mode so
 * fields with defaults are optional. Never throws: a schema that is not zod, or not representable, yields `{}`.
 */
export function argsJsonSchema(schema: ArgsSchema): JsonSchema {
  try {
    return z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch {
    return {};
  }
}

/**
 * Validates a run's args against the definition's schema at run start. Returns the parsed args (defaults
 * applied); throws `ArgsValidationError` naming each bad field (`args.count: expected number, received string`).
 */
export function validateArgs(definition: Pick<WorkflowDefinition, 'id' | 'args'>, args: unknown): unknown {
  const schema = definition.args.schema;
  const input = args === undefined ? {} : args;
  // zod 4 reports the offending input only when asked; a non-zod schema ignores the second argument.
  const result = (schema.safeParse as (value: unknown, params?: unknown) => ReturnType<ArgsSchema['safeParse']>)(
    input,
    { reportInput: true },
  );
  if (result.success) return result.data;
  const issues = isZodIssues(result.error.issues)
    ? zodIssues(result.error.issues)
    : result.error.issues.map((issue) => ({ path: issue.path, message: issue.message }));
  throw new ArgsValidationError(
    definition.id,
    issues.map((issue) => ({ path: formatPath(['args', ...issue.path]), message: issue.message })),
  );
}

function isZodIssues(issues: readonly unknown[]): issues is z.core.$ZodIssue[] {
  return issues.every((issue) => typeof (issue as { code?: unknown }).code === 'string');
}

/** The serialisable part of a definition, for `definition.json`. */
export function definitionSnapshot(definition: WorkflowDefinition): DefinitionSnapshot {
  return {
    id: definition.id,
    name: definition.name,
    ...(definition.description !== undefined ? { description: definition.description } : {}),
    source: { ...definition.source },
    phases: definition.phases.map((phase) => ({ ...phase })),
    argsJsonSchema: definition.args.jsonSchema,
    ...(definition.workspace ? { workspace: definition.workspace } : {}),
    ...(definition.declaredSteps ? { declaredSteps: definition.declaredSteps.map((step) => ({ ...step })) } : {}),
  };
}
