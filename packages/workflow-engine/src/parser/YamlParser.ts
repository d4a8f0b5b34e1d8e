/**
 * YAML templates → `WorkflowDefinition`. Every problem is reported with the line:column of the node at fault:
 * YAML syntax (from the `yaml` package), structure (zod issues, whose paths are mapped back to nodes), and the
 * rules between fields (declared phases, unique step ids, `if:` and `{{ }}` references to args and earlier steps).
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { ZodType } from 'zod';
import { TemplateError } from '../errors.ts';
import { withJsonSchema } from '../execution/structuredOutput.ts';
import type { TemplateIssue } from '../errors.ts';
import type { WorkflowDefinition } from '../types/workflow.ts';
import { ExpressionSyntaxError, expressionPaths, parseExpression } from './expression.ts';
import type { Expression, PathExpression } from './expression.ts';
import { parseTemplateString, templatePaths } from './interpolate.ts';
import type { ParsedTemplate } from './interpolate.ts';
import { unknownKeyMessage, zodIssues } from './issues.ts';
import type { PathIssue } from './issues.ts';
import { contentHash, normalizePhases, templateError, templateIdFromPath } from './WorkflowDefinition.ts';
import { readTemplateText } from './templateFile.ts';
import { buildArgs } from './yamlArgs.ts';
import { flowDepthExcess, MAX_YAML_FLOW_DEPTH } from './yamlDepth.ts';
import { compileExecute } from './yamlExecute.ts';
import type { CompiledStep } from './yamlExecute.ts';
import { documentSchema, stepSchemas } from './yamlSchema.ts';
import type {
  AgentStepFields,
  EventStepFields,
  InputStepFields,
  ScriptStepFields,
  SleepStepFields,
  YamlArg,
} from './yamlSchema.ts';

/** Templates are small; a bigger file is a mistake or an attack. */
export const MAX_YAML_BYTES = 1024 * 1024;
/** Alias expansions allowed while building the data; guards against "billion laughs" alias bombs. */
export const MAX_YAML_ALIAS_COUNT = 100;

export async function loadYamlTemplate(file: string): Promise<WorkflowDefinition> {
  return parseYamlTemplate(await readTemplateText(file), file);
}

/** Parses a YAML template's text; `file` names it in errors and in the definition's source. */
export function parseYamlTemplate(text: string, file: string): WorkflowDefinition {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_YAML_BYTES) {
    throw fileError(file, `is ${bytes} bytes; a YAML template may be at most ${MAX_YAML_BYTES} bytes`);
  }

  // Before parsing: the parser's time grows faster than the nesting depth.
  const excess = flowDepthExcess(text);
  if (excess) {
    throw new TemplateError([
      {
        file,
        ...excess,
        path: '',
        message: `YAML collections are nested more than ${MAX_YAML_FLOW_DEPTH} levels deep here; a template needs only a few`,
      },
    ]);
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new TemplateError(
      doc.errors.map((error) => ({
        file,
        ...(error.linePos ? { line: error.linePos[0].line, column: error.linePos[0].col } : {}),
        path: '',
        // prettyErrors appends " at line L, column C:" and a code frame; the position is already in the prefix.
        message: `${error.code === 'DUPLICATE_KEY' ? 'duplicate key: ' : 'YAML syntax error: '}${firstLine(error.message)}`,
      })),
    );
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (error) {
    const alias = firstAlias(doc);
    throw new TemplateError(
      [
        {
          file,
          ...(alias ? position(lineCounter, alias) : {}),
          path: '',
          message:
            error instanceof ReferenceError
              ? `YAML aliases expand too much (more than ${MAX_YAML_ALIAS_COUNT} expansions); this looks like an alias bomb`
              : `cannot read the YAML: ${(error as Error).message}`,
        },
      ],
      { cause: error },
    );
  }

  const locate = (issue: PathIssue) => {
    const node = nodeAt(doc, issue);
    return node ? position(lineCounter, node) : undefined;
  };
  const fail = (issues: PathIssue[]) => templateError(file, issues, locate);

  if (!isPlainObject(data)) {
    throw fileError(file, 'must be a YAML mapping with name, phases and steps');
  }

  const structure = documentSchema.safeParse(data, { reportInput: true });
  const rawSteps = Array.isArray(data.steps) ? data.steps : [];
  const stepIssues: PathIssue[] = [];
  const steps = rawSteps.map((raw, index) => parseStep(raw, index, stepIssues));
  const structureIssues = [...(structure.success ? [] : zodIssues(structure.error.issues)), ...stepIssues];
  if (!structure.success || structureIssues.length > 0) throw fail(structureIssues);
  const document = structure.data;
  const parsedSteps = steps as ParsedStep[];

  const issues: PathIssue[] = [];
  const args = buildArgs(document.args ?? {});
  issues.push(...args.issues);
  const phaseIds = document.phases.map((phase) => phase.id);
  const argNames = Object.keys(document.args ?? {});
  const allStepIds = parsedSteps.map((step) => step.id);
  const outputFields = new Map(
    parsedSteps.flatMap((step) =>
      step.kind === 'agent' && step.output_schema ? [[step.id, Object.keys(step.output_schema)] as const] : [],
    ),
  );
  const compiled = compileSteps(parsedSteps, { phaseIds, argNames, allStepIds, outputFields }, issues);
  if (issues.length > 0) throw fail(issues);

  return {
    id: templateIdFromPath(file),
    name: document.name,
    ...(document.description !== undefined ? { description: document.description } : {}),
    source: { type: 'yaml', path: file, contentHash: contentHash(text) },
    phases: normalizePhases(document.phases),
    args: { schema: args.schema, jsonSchema: args.jsonSchema },
    ...(document.workspace ? { workspace: document.workspace } : {}),
    ...(document.budget
      ? {
          budget: {
            ...(document.budget.max_cost_usd !== undefined ? { maxCostUsd: document.budget.max_cost_usd } : {}),
            ...(document.budget.max_turns !== undefined ? { maxTurns: document.budget.max_turns } : {}),
          },
        }
      : {}),
    declaredSteps: compiled.map((step) => ({ id: step.id, name: step.name, phase: step.phase })),
    execute: compileExecute(compiled, document.secrets ?? []),
  };
}

// ── Steps ───────────────────────────────────────────────────────────────────────────────────────────────────────

type ParsedStep =
  | ({ kind: 'agent' } & AgentStepFields)
  | ({ kind: 'script' } & ScriptStepFields)
  | ({ kind: 'sleep' } & SleepStepFields)
  | ({ kind: 'input' } & InputStepFields)
  | ({ kind: 'event' } & EventStepFields);

/** Validates one step against the schema of its type; `type` may be left out when `prompt` or `command` says it. */
function parseStep(raw: unknown, index: number, issues: PathIssue[]): ParsedStep | undefined {
  const at = (...path: PropertyKey[]) => ['steps', index, ...path];
  if (!isPlainObject(raw)) {
    issues.push({ path: at(), message: 'expected a step: a mapping with id, phase, type and prompt or command' });
    return undefined;
  }
  const declared = raw.type;
  const kind =
    declared === 'agent' ||
    declared === 'script' ||
    declared === 'sleep' ||
    declared === 'input' ||
    declared === 'event'
      ? declared
      : declared === undefined
        ? 'prompt' in raw
          ? 'agent'
          : 'command' in raw
            ? 'script'
            : undefined
        : undefined;
  if (!kind) {
    // Without a type the step's schema is unknown; still name misspelt keys (`comand:`), the likely cause.
    const allowed = [...new Set([...Object.keys(stepSchemas.agent.shape), ...Object.keys(stepSchemas.script.shape)])];
    for (const key of Object.keys(raw).filter((key) => !allowed.includes(key))) {
      issues.push({ path: at(key), message: unknownKeyMessage(key, allowed), at: 'key' });
    }
    issues.push({
      path: at('type'),
      message:
        declared === undefined
          ? 'is required: type: agent (with a prompt) or type: script (with a command)'
          : `expected "agent", "script", "sleep", "input" or "event", received ${JSON.stringify(declared)}`,
    });
    return undefined;
  }
  const result = stepSchemas[kind].safeParse(raw, { reportInput: true });
  if (!result.success) {
    issues.push(...zodIssues(result.error.issues).map((issue) => ({ ...issue, path: at(...issue.path) })));
    return undefined;
  }
  return { kind, ...result.data } as ParsedStep;
}

interface Declarations {
  phaseIds: string[];
  argNames: string[];
  allStepIds: string[];
  /** The fields each agent step with `output_schema:` declares, for `steps.<id>.output.json.<field>`. */
  outputFields: ReadonlyMap<string, readonly string[]>;
}

function compileSteps(steps: ParsedStep[], declared: Declarations, issues: PathIssue[]): CompiledStep[] {
  const firstIndex = new Map<string, number>();
  return steps.map((step, index) => {
    const at = (...path: PropertyKey[]) => ['steps', index, ...path];
    const earlier = declared.allStepIds.slice(0, index);

    const first = firstIndex.get(step.id);
    if (first !== undefined)
      issues.push({ path: at('id'), message: `duplicate step id "${step.id}" (first at steps[${first}])` });
    else firstIndex.set(step.id, index);

    if (!declared.phaseIds.includes(step.phase)) {
      issues.push({
        path: at('phase'),
        message: `"${step.phase}" is not a declared phase (${declared.phaseIds.join(', ')})`,
      });
    }

    const check = (paths: PathExpression[], path: PropertyKey[], source: string) => {
      for (const reference of paths) {
        const problem = referenceProblem(reference, { ...declared, earlier, self: step.id });
        if (problem) issues.push({ path, message: `${problem} (in ${JSON.stringify(source)})` });
      }
    };
    const template = (text: string, ...path: PropertyKey[]): ParsedTemplate => {
      try {
        const parsed = parseTemplateString(text);
        check(templatePaths(parsed), at(...path), text);
        return parsed;
      } catch (error) {
        if (!(error instanceof ExpressionSyntaxError)) throw error;
        issues.push({ path: at(...path), message: `invalid {{ }} in ${JSON.stringify(text)}: ${error.message}` });
        return { parts: [text] };
      }
    };

    let condition: CompiledStep['condition'];
    if (step.if !== undefined) {
      try {
        const expression: Expression = parseExpression(step.if);
        check(expressionPaths(expression), at('if'), step.if);
        condition = { source: step.if, expression };
      } catch (error) {
        if (!(error instanceof ExpressionSyntaxError)) throw error;
        issues.push({ path: at('if'), message: `invalid expression ${JSON.stringify(step.if)}: ${error.message}` });
      }
    }

    if (step.kind === 'event') {
      return {
        id: step.id,
        name: step.name ?? step.id,
        phase: step.phase,
        ...(condition ? { condition } : {}),
        run: {
          type: 'event',
          event: step.event,
          // A string field may interpolate (`{{ args.env }}`); other values match as they are.
          match: Object.fromEntries(
            Object.entries(step.match ?? {}).map(([key, value]) => [
              key,
              typeof value === 'string' ? { template: template(value, 'match', key) } : { value },
            ]),
          ),
          ...(step.timeout !== undefined ? { timeoutMs: step.timeout } : {}),
          ...(step.default ? { default: step.default } : {}),
        },
      };
    }

    if (step.kind === 'input') {
      const form = buildArgs(step.fields, { root: at('fields') });
      issues.push(...form.issues);
      if (step.default && form.issues.length === 0) {
        const checked = form.schema.safeParse(step.default);
        if (!checked.success) {
          issues.push(
            ...checked.error.issues.map((issue) => ({ message: issue.message, path: at('default', ...issue.path) })),
          );
        }
      }
      return {
        id: step.id,
        name: step.name ?? step.id,
        phase: step.phase,
        ...(condition ? { condition } : {}),
        run: {
          type: 'input',
          prompt: template(step.prompt, 'prompt'),
          schema: form.jsonSchema,
          ...(step.timeout !== undefined ? { timeoutMs: step.timeout } : {}),
          ...(step.default ? { default: step.default } : {}),
        },
      };
    }

    if (step.kind === 'sleep') {
      return {
        id: step.id,
        name: step.name ?? step.id,
        phase: step.phase,
        ...(condition ? { condition } : {}),
        run: { type: 'sleep', durationMs: step.duration },
      };
    }

    const run: CompiledStep['run'] =
      step.kind === 'agent'
        ? {
            type: 'agent',
            agent: step.agent,
            prompt: template(step.prompt, 'prompt'),
            ...(step.model ? { model: step.model } : {}),
            ...(step.allowed_tools ? { allowedTools: step.allowed_tools } : {}),
            ...(step.output_schema ? { output: outputSchema(step.output_schema, at('output_schema'), issues) } : {}),
          }
        : {
            type: 'script',
            command: Array.isArray(step.command)
              ? step.command.map((part, i) => template(part, 'command', i))
              : template(step.command, 'command'),
          };

    return {
      id: step.id,
      name: step.name ?? step.id,
      phase: step.phase,
      ...(condition ? { condition } : {}),
      ...(step.retries !== undefined ? { retries: step.retries } : {}),
      ...(step.timeout !== undefined ? { timeoutMs: step.timeout } : {}),
      ...(step.continue_on_error !== undefined ? { continueOnError: step.continue_on_error } : {}),
      ...(step.cwd !== undefined ? { cwd: template(step.cwd, 'cwd') } : {}),
      ...(step.artifacts ? { artifacts: step.artifacts } : {}),
      ...(step.env
        ? {
            env: Object.fromEntries(Object.entries(step.env).map(([key, value]) => [key, template(value, 'env', key)])),
          }
        : {}),
      run,
    };
  });
}

/**
 * A step's `output_schema:` fields → the zod schema its answer is validated with, carrying the JSON schema the agent
 * is shown. Unknown fields in an answer are dropped, not refused: an agent that adds one has still answered.
 */
function outputSchema(fields: Record<string, YamlArg>, path: PropertyKey[], issues: PathIssue[]): ZodType {
  const built = buildArgs(fields, { root: path, strict: false });
  issues.push(...built.issues);
  return withJsonSchema(built.schema as ZodType, built.jsonSchema);
}

/** Why a path in `if:` or `{{ }}` cannot be resolved, or undefined when it can. */
function referenceProblem(
  reference: PathExpression,
  scope: Declarations & { earlier: string[]; self: string },
): string | undefined {
  const [root, name, field] = reference.segments;
  const text = reference.segments.join('.');
  if (root === 'args') {
    if (name === undefined || scope.argNames.includes(name)) return undefined;
    const declared = scope.argNames.length
      ? `declared args: ${scope.argNames.join(', ')}`
      : 'this template declares no args';
    return `unknown arg "${name}" in ${text} (${declared})`;
  }
  if (root === 'steps') {
    if (name === undefined) return `${text} needs a step id: steps.<id>.output or steps.<id>.status`;
    if (name === scope.self) return `step "${name}" cannot read its own result in ${text}`;
    if (!scope.earlier.includes(name)) {
      return scope.allStepIds.includes(name)
        ? `step "${name}" is declared after this step; ${text} can only read steps that run earlier`
        : `unknown step "${name}" in ${text}` +
            (scope.earlier.length
              ? ` (earlier steps: ${scope.earlier.join(', ')})`
              : ' (no step runs before this one)');
    }
    if (field !== 'output' && field !== 'status') {
      return `${text}: after steps.${name} write .output (the step's result data) or .status`;
    }
    const declaredFields = scope.outputFields.get(name);
    const [, , , json, outputField] = reference.segments;
    if (declaredFields && json === 'json' && outputField !== undefined && !declaredFields.includes(outputField)) {
      return `"${outputField}" is not a field of step "${name}"'s output_schema (${declaredFields.join(', ')})`;
    }
    return undefined;
  }
  return `unknown name "${root}" in ${text}; expressions read args.<name> or steps.<id>.output / steps.<id>.status`;
}

// ── Positions ───────────────────────────────────────────────────────────────────────────────────────────────────

/** The node an issue path points at, or the deepest existing node on the way (a missing key → its mapping). */
function nodeAt(doc: Document, issue: PathIssue): Node | undefined {
  let node: unknown = doc.contents;
  let found = node as Node | undefined;
  for (const [index, segment] of issue.path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => (isScalar(item.key) ? String(item.key.value) : item.key) === String(segment),
      );
      if (!pair) break;
      const last = index === issue.path.length - 1;
      if (last && issue.at === 'key') return pair.key as Node;
      // `key:` with nothing after it has a null value node without a useful position; point at the key.
      node =
        isScalar(pair.value) && pair.value.value === null && pair.value.source === undefined ? pair.key : pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else break;
    if (!node) break;
    found = node as Node;
  }
  return found;
}

function position(lineCounter: LineCounter, node: Node): { line: number; column: number } | undefined {
  const offset = node.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function firstAlias(doc: Document): Node | undefined {
  let found: Node | undefined;
  const visitNode = (node: unknown): void => {
    if (found || !node) return;
    if (isAlias(node)) found = node;
    else if (isMap(node)) node.items.forEach((pair) => (visitNode(pair.key), visitNode(pair.value)));
    else if (isSeq(node)) node.items.forEach(visitNode);
  };
  visitNode(doc.contents);
  return found;
}

// ── Small helpers ───────────────────────────────────────────────────────────────────────────────────────────────

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function fileError(file: string, message: string): TemplateError {
  return new TemplateError([{ file, path: '', message } satisfies TemplateIssue]);
}
