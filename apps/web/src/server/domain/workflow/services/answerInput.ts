/**
 * A person's answer to the input step a run waits at (`ctx.waitForInput`, YAML `type: input`): checked against the
 * fields the step journaled (the JSON schema of an object), defaults filled in, then journaled by the engine as the
 * step's result; the run becomes runnable and a worker replays past the step with the answer.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { ConflictError, InvalidInputError } from '../../../../errors.ts';
import type { FieldIssue } from '../../../../protocol/common.ts';
import type { RunDetail } from '../../../../protocol/runs.ts';
import { workflowRunSteps, workflowRuns } from '../../../db/schema.ts';
import type { WorkflowServiceDeps } from './deps.ts';
import { getWorkflowRunById } from './getWorkflowRunById.ts';
import { requireRun } from '../runLookups.ts';

type JsonSchema = Record<string, unknown>;

/** What an input step journaled: its question, the JSON schema of its answer, and its fields in declared order. */
interface InputRequest {
  prompt: string;
  schema: JsonSchema;
  fields?: string[];
}

/** The input step a run waits at, with its question and fields; a run waiting for nothing of the kind is a 409. */
export async function waitingInputStep(deps: Pick<WorkflowServiceDeps, 'db'>, runId: string, stepId?: string) {
  const run = await requireRun(deps.db, runId);
  const [status] = await deps.db
    .select({ status: workflowRuns.status })
    .from(workflowRuns)
    .where(eq(workflowRuns.id, runId));
  const waiting = await deps.db
    .select({ step_id: workflowRunSteps.step_id, input: workflowRunSteps.input })
    .from(workflowRunSteps)
    .where(
      and(
        eq(workflowRunSteps.workflow_run_id, runId),
        eq(workflowRunSteps.type, 'input'),
        eq(workflowRunSteps.status, 'running'),
        isNull(workflowRunSteps.invalidated_at),
      ),
    );
  const step = waiting.find((s) => stepId === undefined || s.step_id === stepId);
  if (status?.status !== 'waiting' || !step) {
    throw new ConflictError(
      'not_waiting_for_input',
      stepId
        ? `run ${runId} is not waiting for input at step "${stepId}"`
        : `run ${runId} is not waiting for input (it is ${status?.status})`,
      { field: 'step_id' },
    );
  }
  return { run, stepId: step.step_id, request: step.input as InputRequest };
}

/** `values` checked against an object schema's fields, with their defaults: the answer, or every field's problem. */
export function checkAnswer(request: InputRequest, values: Record<string, unknown>): Record<string, unknown> {
  const { schema } = request;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const order = request.fields ?? Object.keys(properties);
  const required = new Set((schema.required ?? []) as string[]);
  const issues: FieldIssue[] = [];
  const answer: Record<string, unknown> = {};
  for (const name of Object.keys(values)) {
    if (!(name in properties)) {
      issues.push({
        field: `values.${name}`,
        message: `is not a field of this input (${order.join(', ')})`,
      });
    }
  }
  for (const name of order) {
    const field = properties[name] ?? {};
    const value = values[name] ?? field.default;
    if (value === undefined || value === null || value === '') {
      if (required.has(name)) issues.push({ field: `values.${name}`, message: 'is required' });
      continue;
    }
    const problem = fieldProblem(field, value);
    if (problem) issues.push({ field: `values.${name}`, message: problem });
    else answer[name] = value;
  }
  if (issues.length > 0) throw new InvalidInputError(issues, 'input_invalid');
  return answer;
}

function fieldProblem(field: JsonSchema, value: unknown): string | undefined {
  const type = field.type as string | undefined;
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const fits =
    type === undefined ||
    (type === 'integer' ? Number.isInteger(value) : type === 'object' ? actual === 'object' : actual === type);
  if (!fits) return `expected ${type}, received ${actual}`;
  const allowed = field.enum as unknown[] | undefined;
  if (allowed && !allowed.some((option) => option === value)) {
    return `must be one of ${allowed.map((option) => JSON.stringify(option)).join(', ')}`;
  }
  return undefined;
}

export async function answerInput(
  deps: WorkflowServiceDeps,
  runId: string,
  body: { step_id?: string; values: Record<string, unknown> },
): Promise<RunDetail> {
  const { run, stepId, request } = await waitingInputStep(deps, runId, body.step_id);
  const answer = checkAnswer(request, body.values);
  await deps.runtime.executorFor({ id: run.project_id, path: run.project_path }).answer(runId, stepId, answer);
  deps.wakeWorkers();
  return getWorkflowRunById(deps, runId);
}
