/**
 * `--follow`: prints a run's progress as it happens — phases, steps with their durations, script output and
 * agent text — from the run's events, whether they come from the engine in this process or over a server's
 * WebSocket: one printer for both.
 */
import type { StepProgress, WorkflowEvent } from '../protocol/events.ts';
import type { Writer } from './io.ts';

const MARK = { completed: '✓', failed: '✗', skipped: '⊘', cancelled: '■', running: '…', pending: '·' } as const;

export function followPrinter(out: Writer): (event: WorkflowEvent) => void {
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

  return (event) => {
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
        const { error } = event.data.result;
        const why = !error ? '' : event.data.status === 'skipped' ? ` (${error.message})` : ` — ${error.message}`;
        out.write(`  ${MARK[event.data.status]} ${event.data.step_id} ${event.data.status}${took}${why}\n`);
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
      case 'workflow.artifact.created':
        out.write(`  📎 ${event.data.artifact.name} (${event.data.artifact.size_bytes} bytes)\n`);
        break;
    }
  };
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
