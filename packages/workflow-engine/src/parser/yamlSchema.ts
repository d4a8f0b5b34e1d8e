/**
 * The shape of a YAML template, as zod schemas. Structure only; cross-field rules (declared phases, unique step
 * ids, references in `if:` and `{{ }}`) are checked by the parser once the structure is valid.
 */
import { AGENT_NAMES } from '@switchyard/agent-cli-sdk';
import { z } from 'zod';
import { artifactGlobProblem } from '../execution/artifactGlobs.ts';
import { describeValue, strictObject } from './issues.ts';
import { nameSchema, phasesSchema, slugSchema, workspaceSchema } from './WorkflowDefinition.ts';

export const ARG_TYPES = ['string', 'number', 'boolean', 'array', 'object'] as const;
export type ArgType = (typeof ARG_TYPES)[number];

export const argSchema = strictObject({
  type: z.enum(ARG_TYPES),
  required: z.boolean().optional(),
  default: z.unknown().optional(),
  enum: z.array(z.unknown()).min(1).optional(),
  description: z.string().optional(),
});
export type YamlArg = z.output<typeof argSchema>;

const argNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, {
  error: 'arg names must start with a letter or _ and use letters, digits, - and _',
});

export const documentSchema = strictObject({
  name: nameSchema,
  description: z.string().optional(),
  phases: phasesSchema,
  args: z.record(argNameSchema, argSchema).optional(),
  workspace: workspaceSchema.optional(),
  budget: strictObject({
    max_cost_usd: z.number().positive().optional(),
    max_turns: z.number().int().positive().optional(),
  }).optional(),
  /** Variables read from the environment of the process running each step, passed to it, and shown as `***`. */
  secrets: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' }))
    .optional(),
  // Each step is validated on its own, against the schema of its type (see stepSchemas).
  steps: z.array(z.unknown()).min(1, { error: 'must list at least one step' }),
});

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `30s`, `5m`, `1h`, `250ms`, or a number of seconds → milliseconds; undefined when not a positive duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value * 1_000 : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[(match[2] ?? 's') as keyof typeof UNIT_MS];
  return ms > 0 ? ms : undefined;
}

const timeoutSchema = z.unknown().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as 30s, 5m or 1h, or a number of seconds; received ${describeValue(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});

const scalarText = z.union([z.string(), z.number(), z.boolean()], {
  error: (issue) => `expected a string, received ${describeValue(issue.input)}`,
});

const artifactGlob = z.string().superRefine((pattern, ctx) => {
  const problem = artifactGlobProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(pattern)} ${problem}` });
});

const commonStepFields = {
  id: slugSchema,
  name: z.string().min(1).optional(),
  phase: z.string(),
  type: z.enum(['agent', 'script']).optional(),
  if: scalarText.transform(String).optional(),
  retries: z.number().int().min(0).optional(),
  timeout: timeoutSchema.optional(),
  continue_on_error: z.boolean().optional(),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), scalarText.transform(String)).optional(),
  /** Globs of files the step leaves in its working directory that become its artifacts: `coverage/**\/*.html`. */
  artifacts: z.array(artifactGlob).min(1).optional(),
};

export const stepSchemas = {
  agent: strictObject({
    ...commonStepFields,
    prompt: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required for an agent step' : undefined) })
      .min(1),
    agent: z.enum(AGENT_NAMES).default('claude'),
    model: z.string().min(1).optional(),
    allowed_tools: z.array(z.string()).optional(),
    /** The answer's fields, declared like `args:` (type, required, enum, description): see structuredOutput.ts. */
    output_schema: z.record(argNameSchema, argSchema).optional(),
  }),
  script: strictObject({
    ...commonStepFields,
    command: z.union([z.string().min(1), z.array(z.string()).min(1)], {
      error: (issue) =>
        issue.input === undefined
          ? 'is required for a script step'
          : 'must be a string (run by /bin/sh) or a list of strings (run without a shell)',
    }),
  }),
  /** `type: sleep`: a durable timer (`ctx.sleep`); the run waits holding nothing until `duration` has passed. */
  sleep: strictObject({
    id: slugSchema,
    name: z.string().min(1).optional(),
    phase: z.string(),
    type: z.literal('sleep'),
    if: scalarText.transform(String).optional(),
    duration: z.unknown().transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            value === undefined
              ? 'is required for a sleep step: a duration such as 30s, 5m or 1h'
              : `expected a duration such as 30s, 5m or 1h, or a number of seconds; received ${describeValue(value)}`,
        });
        return z.NEVER;
      }
      return ms;
    }),
  }),
  /** `type: input`: waits for a person (`ctx.waitForInput`); `fields` are declared like `args:`. */
  input: strictObject({
    id: slugSchema,
    name: z.string().min(1).optional(),
    phase: z.string(),
    type: z.literal('input'),
    if: scalarText.transform(String).optional(),
    prompt: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required for an input step' : undefined) })
      .min(1),
    fields: z.record(argNameSchema, argSchema, {
      error: (issue) =>
        issue.input === undefined
          ? "is required for an input step: the answer's fields, declared like args"
          : undefined,
    }),
    timeout: timeoutSchema.optional(),
    /** The answer when the timeout passes. */
    default: z.record(z.string(), z.unknown()).optional(),
  }),
  /** `type: event`: waits for an event sent from outside (`ctx.waitForEvent`), by name and `match` fields. */
  event: strictObject({
    id: slugSchema,
    name: z.string().min(1).optional(),
    phase: z.string(),
    type: z.literal('event'),
    if: scalarText.transform(String).optional(),
    event: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required for an event step' : undefined) })
      .min(1),
    match: z.record(z.string(), z.unknown()).optional(),
    timeout: timeoutSchema.optional(),
    default: z.record(z.string(), z.unknown()).optional(),
  }),
};

export type EventStepFields = z.output<(typeof stepSchemas)['event']>;
export type InputStepFields = z.output<(typeof stepSchemas)['input']>;
export type SleepStepFields = z.output<(typeof stepSchemas)['sleep']>;
export type AgentStepFields = z.output<(typeof stepSchemas)['agent']>;
export type ScriptStepFields = z.output<(typeof stepSchemas)['script']>;
