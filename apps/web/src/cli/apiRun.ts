/** The REST API's runs as the command line reads them: parsed at the boundary, then shown as a {@link RunView}. */
import { z } from 'zod';
import type { RunSummary } from './projectRuns.ts';
import type { RunView } from './runView.ts';

const RUN_STATUSES = ['pending', 'running', 'paused', 'waiting', 'completed', 'failed', 'cancelled'] as const;

const ApiStep = z.object({
  /** The step row's id: a re-run step gets a new row. */
  id: z.string(),
  step_id: z.string(),
  name: z.string(),
  phase: z.string(),
  type: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled']),
  attempt: z.number(),
  output: z.object({ data: z.unknown() }).nullable(),
  error: z.object({ message: z.string() }).nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

export const ApiRun = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(RUN_STATUSES),
  current_phase: z.string().nullable(),
  waiting_gate: z.string().nullable(),
  error: z.string().nullable(),
  output: z.unknown(),
  created_at: z.string(),
  workflow_definition_id: z.string(),
  workflow_definition: z.object({ identifier: z.string() }).nullable(),
  steps: z.array(ApiStep),
});
export type ApiRun = z.infer<typeof ApiRun>;
export type ApiStep = z.infer<typeof ApiStep>;

export const ApiRunPage = z.object({
  data: z.array(ApiRun),
  pagination: z.object({ total: z.number() }),
});

export const ApiDefinitions = z.object({
  data: z.array(z.object({ id: z.string(), identifier: z.string(), error: z.string().nullable() })),
});

const templateOf = (run: ApiRun) => run.workflow_definition?.identifier ?? run.workflow_definition_id;

export function runViewFromApi(run: ApiRun): RunView {
  return {
    id: run.id,
    name: run.name,
    template: templateOf(run),
    status: run.status,
    phase: run.current_phase,
    waiting_gate: run.waiting_gate,
    error: run.error,
    output: run.output ?? null,
    created_at: run.created_at,
    steps: run.steps.map((step) => ({
      id: step.step_id,
      name: step.name,
      phase: step.phase,
      type: step.type,
      status: step.status,
      attempts: step.attempt,
      output: step.output?.data ?? null,
      error: step.error?.message ?? null,
    })),
  };
}

export function runSummaryFromApi(run: ApiRun): RunSummary {
  return {
    id: run.id,
    name: run.name,
    template: templateOf(run),
    status: run.status,
    phase: run.current_phase,
    created_at: run.created_at,
  };
}
