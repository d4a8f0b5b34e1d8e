/**
 * The `execute` of a YAML template: walk the declared steps in order, evaluate `if:` against the results so far,
 * interpolate, and call `ctx.step` (or `ctx.skip`). There is one execution path: YAML only calls the context.
 */
import type { ZodType } from 'zod';
import { secret } from '../execution/secrets.ts';
import type { StepEnv } from '../execution/secrets.ts';
import type { WorkflowContext } from '../types/context.ts';
import type { AgentStepSpec, ScriptStepSpec, StepCommon } from '../types/step.ts';
import type { AgentName } from '../types/step.ts';
import type { WorkflowDefinition } from '../types/workflow.ts';
import { evaluateExpression } from './expression.ts';
import type { Expression } from './expression.ts';
import { renderTemplate } from './interpolate.ts';
import type { ParsedTemplate } from './interpolate.ts';

/** A YAML step after parsing: references checked, templates parsed, ready to run. */
export interface CompiledStep {
  id: string;
  name: string;
  phase: string;
  condition?: { source: string; expression: Expression };
  retries?: number;
  timeoutMs?: number;
  continueOnError?: boolean;
  cwd?: ParsedTemplate;
  env?: Record<string, ParsedTemplate>;
  artifacts?: string[];
  run:
    | {
        type: 'agent';
        agent: AgentName;
        prompt: ParsedTemplate;
        model?: string;
        allowedTools?: string[];
        output?: ZodType;
      }
    | { type: 'script'; command: ParsedTemplate | ParsedTemplate[] }
    | { type: 'sleep'; durationMs: number }
    | {
        type: 'event';
        event: string;
        match: Record<string, { template: ParsedTemplate } | { value: unknown }>;
        timeoutMs?: number;
        default?: Record<string, unknown>;
      }
    | {
        type: 'input';
        prompt: ParsedTemplate;
        schema: Record<string, unknown>;
        timeoutMs?: number;
        default?: Record<string, unknown>;
      };
}

/** What `if:` and `{{ }}` read: `args.<name>`, `steps.<id>.output…`, `steps.<id>.status`. */
interface Scope {
  args: unknown;
  steps: Record<string, { output: unknown; status: string }>;
}

/** `secrets:` names the variables every script and agent step gets from the environment running it (see secrets.ts). */
export function compileExecute(
  steps: readonly CompiledStep[],
  secrets: readonly string[],
): WorkflowDefinition['execute'] {
  const secretEnv: StepEnv = Object.fromEntries(secrets.map((name) => [name, secret(name)]));
  return async (ctx: WorkflowContext, args: unknown) => {
    const scope: Scope = { args, steps: {} };
    const outputs: Record<string, unknown> = {};
    for (const step of steps) {
      if (step.condition && !evaluateExpression(step.condition.expression, scope)) {
        const result = await ctx.skip(step.id, {
          phase: step.phase,
          name: step.name,
          type: step.run.type,
          reason: `if: ${step.condition.source} was false`,
        });
        scope.steps[step.id] = { output: result.data, status: result.status };
        outputs[step.id] = result.data;
        continue;
      }
      const result =
        step.run.type === 'sleep'
          ? await ctx.sleep(step.id, step.run.durationMs, { phase: step.phase, name: step.name })
          : step.run.type === 'event'
            ? await ctx.waitForEvent(step.id, {
                event: step.run.event,
                match: Object.fromEntries(
                  Object.entries(step.run.match).map(([key, field]) => [
                    key,
                    'template' in field ? renderTemplate(field.template, scope) : field.value,
                  ]),
                ),
                phase: step.phase,
                name: step.name,
                ...(step.run.timeoutMs !== undefined ? { timeout: step.run.timeoutMs } : {}),
                ...(step.run.default ? { default: step.run.default } : {}),
              })
            : step.run.type === 'input'
              ? await ctx.waitForInput(step.id, {
                  prompt: renderTemplate(step.run.prompt, scope),
                  schema: step.run.schema,
                  phase: step.phase,
                  name: step.name,
                  ...(step.run.timeoutMs !== undefined ? { timeout: step.run.timeoutMs } : {}),
                  ...(step.run.default ? { default: step.run.default } : {}),
                })
              : await ctx.step(step.id, stepSpec(step, scope, secretEnv));
      scope.steps[step.id] = { output: result.data, status: result.status };
      outputs[step.id] = result.data;
    }
    return outputs;
  };
}

function stepSpec(step: CompiledStep, scope: Scope, secretEnv: StepEnv): AgentStepSpec | ScriptStepSpec {
  const env: StepEnv = {
    ...secretEnv,
    ...(step.env
      ? Object.fromEntries(Object.entries(step.env).map(([key, value]) => [key, renderTemplate(value, scope)]))
      : {}),
  };
  const common: StepCommon & Pick<ScriptStepSpec, 'cwd' | 'env'> = {
    phase: step.phase,
    name: step.name,
    ...(step.retries !== undefined ? { retries: step.retries } : {}),
    ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
    ...(step.continueOnError !== undefined ? { continueOnError: step.continueOnError } : {}),
    ...(step.cwd ? { cwd: renderTemplate(step.cwd, scope) } : {}),
    ...(step.artifacts ? { artifacts: step.artifacts } : {}),
    ...(Object.keys(env).length > 0 ? { env } : {}),
  };
  const run = step.run;
  if (run.type === 'agent') {
    return {
      type: 'agent',
      agent: run.agent,
      prompt: renderTemplate(run.prompt, scope),
      ...(run.model ? { model: run.model } : {}),
      ...(run.allowedTools ? { allowedTools: run.allowedTools } : {}),
      ...(run.output ? { output: run.output } : {}),
      ...common,
    };
  }
  if (run.type === 'sleep' || run.type === 'input' || run.type === 'event')
    throw new Error(`step ${step.id} is a ${run.type} step, not a step spec`);
  return {
    type: 'script',
    // Each element of an array command is rendered on its own: a value can never split into two arguments.
    command: Array.isArray(run.command)
      ? run.command.map((part) => renderTemplate(part, scope))
      : renderTemplate(run.command, scope),
    ...common,
  };
}
