/**
 * Turns what a template passes to `ctx.step` — the explicit form or the seed's short form — into an explicit
 * {@link StepSpec}, with errors that name the step and the field.
 */
import { AGENT_NAMES } from '@switchyard/agent-cli-sdk';
import { StepSpecError } from '../errors.ts';
import type { StepInput, StepSpec, StepType } from '../types/step.ts';
import { artifactGlobProblem } from './artifactGlobs.ts';
import { assertStepEnv, REDACTED, Redactor } from './secrets.ts';
import { isOutputSchema, outputJsonSchema } from './structuredOutput.ts';

export const STEP_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function assertStepId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !STEP_ID_PATTERN.test(id) || id.includes('..')) {
    throw new StepSpecError(
      String(id),
      'a step id is 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
  }
}

function inferType(id: string, input: Record<string, unknown>): StepType {
  if (input.type !== undefined) {
    if (input.type === 'agent' || input.type === 'script' || input.type === 'function') return input.type;
    throw new StepSpecError(id, `unknown step type ${JSON.stringify(input.type)} (expected agent, script or function)`);
  }
  const kinds = (['agent', 'command', 'run'] as const).filter((key) => input[key] !== undefined);
  if (kinds.length !== 1) {
    throw new StepSpecError(
      id,
      kinds.length === 0
        ? 'give a type, or one of `agent` + `prompt` (agent step), `command` (script step), `run` (function step)'
        : `\`${kinds.join('` and `')}\` cannot be combined in one step`,
    );
  }
  return kinds[0] === 'agent' ? 'agent' : kinds[0] === 'command' ? 'script' : 'function';
}

function optionalNumber(id: string, input: Record<string, unknown>, key: string, min: number): void {
  const value = input[key];
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < min)) {
    throw new StepSpecError(id, `${key} must be a number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
}

export function normalizeStepSpec(id: string, raw: StepInput): StepSpec {
  assertStepId(id);
  if (typeof raw !== 'object' || raw === null) throw new StepSpecError(id, 'the step spec must be an object');
  const input = raw as unknown as Record<string, unknown>;
  if (typeof input.phase !== 'string' || input.phase === '') throw new StepSpecError(id, '`phase` is required');
  optionalNumber(id, input, 'retries', 0);
  optionalNumber(id, input, 'timeoutMs', 1);
  assertArtifactGlobs(id, input.artifacts);
  const type = inferType(id, input);
  if (type !== 'function') assertStepEnv(id, input.env);
  if (type === 'agent') {
    const agent = input.agent ?? 'claude';
    if (typeof agent !== 'string' || !(AGENT_NAMES as readonly unknown[]).includes(agent)) {
      throw new StepSpecError(id, `unknown agent ${JSON.stringify(agent)} (expected ${AGENT_NAMES.join(', ')})`);
    }
    if (typeof input.prompt !== 'string' || input.prompt.trim() === '') {
      throw new StepSpecError(id, 'an agent step needs a non-empty `prompt`');
    }
    if (input.output !== undefined && !isOutputSchema(input.output)) {
      throw new StepSpecError(id, '`output` must be a zod schema, such as z.object({ summary: z.string() })');
    }
    return { ...(input as object), type, agent } as StepSpec;
  }
  if (type === 'script') {
    const command = input.command;
    const valid =
      (typeof command === 'string' && command.trim() !== '') ||
      (Array.isArray(command) && command.length > 0 && command.every((part) => typeof part === 'string'));
    if (!valid) throw new StepSpecError(id, '`command` must be a non-empty string or array of strings');
    return { ...(input as object), type } as StepSpec;
  }
  if (typeof input.run !== 'function') throw new StepSpecError(id, 'a function step needs `run: (step) => value`');
  return { ...(input as object), type } as StepSpec;
}

function assertArtifactGlobs(id: string, globs: unknown): void {
  if (globs === undefined) return;
  if (!Array.isArray(globs) || !globs.every((glob) => typeof glob === 'string')) {
    throw new StepSpecError(id, '`artifacts` must be a list of globs such as "coverage/**/*.html"');
  }
  for (const [i, glob] of globs.entries()) {
    const problem = artifactGlobProblem(glob as string);
    if (problem) throw new StepSpecError(id, `artifacts[${i}] ${JSON.stringify(glob)} ${problem}`);
  }
}

/**
 * The serialisable part of a spec, for `input.json`, the journal and the board: env values shown as `***`, and the
 * step's secrets redacted wherever else they appear (a prompt or command that spells one out).
 */
export function describeStepInput(spec: StepSpec): Record<string, unknown> {
  const { run: _run, output, ...rest } = spec as StepSpec & { run?: unknown; output?: unknown };
  const input = JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
  // A zod schema is not data: the step's input shows it as the JSON schema the agent was given.
  if (isOutputSchema(output)) input.output = outputJsonSchema(output);
  if (spec.type === 'function' || !spec.env) return input;
  input.env = Object.fromEntries(Object.keys(spec.env).map((name) => [name, REDACTED]));
  return Redactor.forEnv(spec.env).value(input);
}
