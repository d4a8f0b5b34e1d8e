/** A run as the command line shows it: one JSON document for `--json`, a few lines for people. */
import type { JournalRecord, RunStore, WorkflowRun } from '@switchyard/workflow-engine';
import type { Io } from './command.ts';
import { exitCodeForStatus } from './exitCodes.ts';
import { formatDuration } from './follow.ts';

export interface RunView {
  id: string;
  name: string;
  template: string;
  status: WorkflowRun['status'];
  phase: string | null;
  waiting_gate: string | null;
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

export async function runView(store: RunStore, run: WorkflowRun): Promise<RunView> {
  const journal = await store.getJournal(run.id);
  return {
    id: run.id,
    name: run.name,
    template: run.definitionId,
    status: run.status,
    phase: run.currentPhase,
    waiting_gate: run.waitingGate,
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

export function describeRun(view: RunView): string {
  const lines = [
    `${view.id}  ${view.name} (${view.template})`,
    `  status: ${view.status}${view.error ? ` — ${view.error}` : ''}`,
  ];
  if (view.phase) lines.push(`  phase:  ${view.phase}`);
  if (view.waiting_gate)
    lines.push(`  waiting at the gate of "${view.waiting_gate}": approve with \`switchyard advance ${view.id}\``);
  if (view.status === 'paused') lines.push(`  resume with \`switchyard resume ${view.id}\``);
  for (const step of view.steps) {
    lines.push(`  ${step.status.padEnd(9)} ${step.phase.padEnd(12)} ${step.id}${step.error ? ` — ${step.error}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The end of a command that executed or followed a run: the run in the requested form, and its exit code. */
export function reportRun(view: RunView, io: Io, options: { follow: boolean; json: boolean }, tookMs: number): number {
  if (options.json) io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  else if (options.follow)
    io.stdout.write(`${view.status} in ${formatDuration(tookMs)} — run ${view.id}\n${nextStepHint(view)}`);
  else io.stdout.write(describeRun(view));
  return exitCodeForStatus(view.status);
}

function nextStepHint(view: RunView): string {
  if (view.status === 'paused') return `resume with: switchyard resume ${view.id}\n`;
  if (view.status === 'waiting')
    return `approve the gate of "${view.waiting_gate}" with: switchyard advance ${view.id}\n`;
  if (view.status === 'failed') return `after fixing the cause, retry with: switchyard resume ${view.id}\n`;
  return '';
}
