/**
 * A run as the command line shows it, wherever it was read (the database or a server's API): one JSON document for
 * `--json`, a few lines for people.
 */
import type { JournalRecord, RunStatus, RunStore, WorkflowRun } from '@switchyard/workflow-engine';
import type { Run } from '../protocol/runs.ts';
import { exitCodeForStatus } from './exitCodes.ts';
import { formatDuration } from './follow.ts';
import type { Io, OutputOptions } from './io.ts';

/** One line of `switchyard list`. */
export interface RunSummary {
  id: string;
  name: string;
  template: string;
  status: RunStatus;
  phase: string | null;
  created_at: string;
}

export interface RunView {
  id: string;
  name: string;
  template: string;
  status: WorkflowRun['status'];
  phase: string | null;
  waiting_gate: string | null;
  /** When a sleeping run wakes. */
  wake_at: string | null;
  error: string | null;
  output: unknown;
  created_at: string;
  steps: {
    id: string;
    name: string;
    phase: string;
    type: string;
    status: string;
    attempts: number;
    output: unknown;
    error: string | null;
  }[];
}

export async function runViewFromStore(store: RunStore, run: WorkflowRun): Promise<RunView> {
  const journal = await store.getJournal(run.id);
  return {
    id: run.id,
    name: run.name,
    template: run.definitionId,
    status: run.status,
    phase: run.currentPhase,
    waiting_gate: run.waitingGate,
    wake_at: run.wakeAt,
    error: run.error,
    output: run.output,
    created_at: run.createdAt,
    steps: journal.map((record: JournalRecord) => ({
      id: record.stepId,
      name: record.name,
      phase: record.phase,
      type: record.type,
      status: record.status,
      attempts: record.attempt,
      output: record.result?.data ?? null,
      error: record.error?.message ?? null,
    })),
  };
}

const templateOf = (run: Run) => run.workflow_definition?.identifier ?? run.workflow_definition_id;

export function runViewFromApi(run: Run): RunView {
  return {
    id: run.id,
    name: run.name,
    template: templateOf(run),
    status: run.status,
    phase: run.current_phase,
    waiting_gate: run.waiting_gate,
    wake_at: run.wake_at,
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

export function runSummaryFromApi(run: Run): RunSummary {
  return {
    id: run.id,
    name: run.name,
    template: templateOf(run),
    status: run.status,
    phase: run.current_phase,
    created_at: run.created_at,
  };
}

export function describeRun(view: RunView): string {
  const lines = [
    `${view.id}  ${view.name} (${view.template})`,
    `  status: ${view.status}${view.error ? ` — ${view.error}` : ''}`,
  ];
  if (view.phase) lines.push(`  phase:  ${view.phase}`);
  if (view.waiting_gate)
    lines.push(`  waiting at the gate of "${view.waiting_gate}": approve with \`switchyard advance ${view.id}\``);
  const asking = view.steps.find((step) => step.type === 'input' && step.status === 'running');
  if (view.status === 'waiting' && asking) {
    lines.push(`  step ${asking.id} waits for your answer: \`switchyard answer ${view.id} --arg <field>=<value>\``);
  } else if (view.wake_at) lines.push(`  sleeping until ${view.wake_at}: ${WAKES}`);
  if (view.status === 'paused') lines.push(`  resume with \`switchyard resume ${view.id}\``);
  for (const step of view.steps) {
    lines.push(`  ${step.status.padEnd(9)} ${step.phase.padEnd(12)} ${step.id}${step.error ? ` — ${step.error}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The end of a command that executed or followed a run: the run in the requested form, and its exit code. */
export function reportRun(view: RunView, io: Io, options: OutputOptions, tookMs: number): number {
  if (options.json) io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  else if (options.follow)
    io.stdout.write(`${view.status} in ${formatDuration(tookMs)} — run ${view.id}\n${nextStepHint(view)}`);
  else io.stdout.write(describeRun(view));
  return exitCodeForStatus(view.status);
}

/** A sleeping run holds no process: whoever executes the project's runs takes it up at its time. */
const WAKES = '`switchyard serve` (or `switchyard worker`) takes it up at that time';

function nextStepHint(view: RunView): string {
  if (view.status === 'paused') return `resume with: switchyard resume ${view.id}\n`;
  const asking = view.steps.find((step) => step.type === 'input' && step.status === 'running');
  if (view.status === 'waiting' && asking) {
    return `step ${asking.id} waits for your answer: switchyard answer ${view.id} --arg <field>=<value>\n`;
  }
  const hook = view.steps.find((step) => step.type === 'event' && step.status === 'running');
  if (view.status === 'waiting' && hook) {
    return `step ${hook.id} waits for an event: POST /api/events or /api/workflow-executions/${view.id}/events\n`;
  }
  if (view.wake_at) return `sleeping until ${view.wake_at}: ${WAKES}\n`;
  if (view.status === 'waiting')
    return `approve the gate of "${view.waiting_gate}" with: switchyard advance ${view.id}\n`;
  if (view.status === 'failed') return `after fixing the cause, retry with: switchyard resume ${view.id}\n`;
  return '';
}
