/**
 * `--follow`: prints a run's progress as it happens — phases, steps with their durations, script output and
 * agent text — from the engine's events when the run executes here, from polled snapshots through a server.
 */
import type { EventSink, StepProgress, WorkflowEvent } from '@switchyard/workflow-engine';
import type { ApiRun, ApiStep } from './apiRun.ts';

export interface Writer {
  write(text: string): void;
}

const MARK = { completed: '✓', failed: '✗', skipped: '⊘', cancelled: '■', running: '…', pending: '·' } as const;

export function followPrinter(out: Writer): EventSink {
  const startedAt = new Map<string, number>();
  const partial = new Map<string, string>();

  function printLines(key: string, text: string) {
    const buffered = (partial.get(key) ?? '') + text;
    const lines = buffered.split('\n');
    partial.set(key, lines.pop() ?? '');
    for (const line of lines) out.write(`    │ ${line}\n`);
  }

  function flush(stepId: string) {
    for (const [key, rest] of partial) {
      if (key.startsWith(`${stepId}\0`) && rest) out.write(`    │ ${rest}\n`);
      if (key.startsWith(`${stepId}\0`)) partial.delete(key);
    }
  }

  function progress(stepId: string, event: StepProgress) {
    if (event.kind === 'output') printLines(`${stepId}\0${event.stream}`, event.text);
    else if (event.kind === 'log') out.write(`    ${event.message}\n`);
    else {
      const agentEvent = event.event as { type?: string; text?: string; name?: string };
      if (agentEvent.type === 'message.text' && agentEvent.text) printLines(`${stepId}\0agent`, `${agentEvent.text}\n`);
      if (agentEvent.type === 'tool.call') out.write(`    ⚙ ${agentEvent.name ?? 'tool'}\n`);
    }
  }

  return {
    emit(event: WorkflowEvent) {
      switch (event.type) {
        case 'workflow.execution.phase_changed':
          out.write(`── ${event.data.phase}\n`);
          break;
        case 'workflow.step.started':
          startedAt.set(event.data.step_id, Date.now());
          out.write(
            `  ▶ ${event.data.name} (${event.data.step_type})${event.data.attempt > 1 ? ` attempt ${event.data.attempt}` : ''}\n`,
          );
          break;
        case 'workflow.step.progress':
          progress(event.data.step_id, event.data.progress);
          break;
        case 'workflow.step.completed': {
          flush(event.data.step_id);
          const started = startedAt.get(event.data.step_id);
          const took = started === undefined ? '' : ` ${formatDuration(Date.now() - started)}`;
          const error =
            event.data.result.error && event.data.status !== 'skipped' ? ` — ${event.data.result.error.message}` : '';
          const reason =
            event.data.status === 'skipped' && event.data.result.error ? ` (${event.data.result.error.message})` : '';
          out.write(
            `  ${MARK[event.data.status]} ${event.data.step_id} ${event.data.status}${took}${error}${reason}\n`,
          );
          break;
        }
        case 'workflow.execution.status_changed':
          if (event.data.status !== 'running' && event.data.status !== 'pending') {
            out.write(`● ${event.data.status}${event.data.error ? `: ${event.data.error}` : ''}\n`);
          }
          break;
        case 'workflow.comment.created':
          out.write(`  💬 ${event.data.comment.text}\n`);
          break;
      }
    },
  };
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * `--follow` through a server: progress from successive snapshots of a run (polled), so phases, steps and their
 * durations, but no script output or agent text — those stay in the steps' logs.
 */
export function snapshotPrinter(out: Writer): (run: ApiRun) => void {
  let phase: string | null = null;
  let status: string | null = null;
  const printed = new Map<string, 'started' | 'finished'>();
  const enterPhase = (next: string) => {
    if (next !== phase) out.write(`── ${next}\n`);
    phase = next;
  };

  return (run) => {
    for (const step of run.steps) {
      const key = `${step.id}:${step.attempt}`;
      const seen = printed.get(key);
      const finished = step.status !== 'running' && step.status !== 'pending';
      if (seen === 'finished' || (seen === 'started' && !finished)) continue;
      enterPhase(step.phase);
      if (!seen) out.write(`  ▶ ${step.name} (${step.type})${step.attempt > 1 ? ` attempt ${step.attempt}` : ''}\n`);
      printed.set(key, finished ? 'finished' : 'started');
      if (finished) out.write(`  ${MARK[step.status]} ${step.step_id} ${step.status}${tookAndWhy(step)}\n`);
    }
    if (run.current_phase) enterPhase(run.current_phase);
    if (run.status !== status && run.status !== 'running' && run.status !== 'pending')
      out.write(`● ${run.status}${run.error ? `: ${run.error}` : ''}\n`);
    status = run.status;
  };
}

function tookAndWhy(step: ApiStep): string {
  const took =
    step.started_at && step.finished_at
      ? ` ${formatDuration(Date.parse(step.finished_at) - Date.parse(step.started_at))}`
      : '';
  if (!step.error) return took;
  return step.status === 'skipped' ? `${took} (${step.error.message})` : `${took} — ${step.error.message}`;
}
