/**
 * A human `summary.md` for one agent invocation: outcome, final text, cost, turns, duration, and the tools used. The
 * engine writes it beside the step's `events.jsonl`; this module only renders text.
 */
import type { AgentResult } from './types.ts';

interface ToolTally {
  calls: number;
  errors: number;
}

/** Counts tool calls and failed results per tool name; events not shaped like `tool.call`/`tool.result` are ignored. */
function tallyTools(events: Iterable<unknown>): Map<string, ToolTally> {
  const byName = new Map<string, ToolTally>();
  const nameById = new Map<string, string>();
  for (const event of events) {
    if (typeof event !== 'object' || event === null || !('type' in event)) continue;
    if (event.type === 'tool.call' && 'name' in event && typeof event.name === 'string') {
      const tally = byName.get(event.name) ?? { calls: 0, errors: 0 };
      tally.calls += 1;
      byName.set(event.name, tally);
      if ('id' in event && typeof event.id === 'string') nameById.set(event.id, event.name);
    } else if (event.type === 'tool.result' && 'isError' in event && event.isError === true && 'id' in event) {
      const name = nameById.get(String(event.id));
      const tally = name === undefined ? undefined : byName.get(name);
      if (tally) tally.errors += 1;
    }
  }
  return byName;
}

function outcome(result: AgentResult): string {
  if (result.stopReason === 'budget') return 'stopped: budget exceeded';
  if (result.stopReason === 'stalled') return 'stopped: stalled';
  if (result.stopReason === 'aborted') return 'stopped: aborted';
  return result.isError ? 'failed' : 'succeeded';
}

/**
 * Renders the summary. `events` are the `AgentEvent`s the run emitted through `onEvent` (as the engine stored them).
 */
export function renderAgentSummary(result: AgentResult, events: Iterable<unknown>): string {
  const { usage } = result;
  const lines = [
    '# Agent summary',
    '',
    `- Outcome: ${outcome(result)}`,
    `- Session: ${result.sessionId ?? '(none)'}`,
    `- Cost: ${result.costUsd === null ? 'not reported' : `$${result.costUsd.toFixed(4)}`}`,
    `- Turns: ${result.numTurns ?? 'not reported'}`,
    `- Duration: ${(result.durationMs / 1000).toFixed(1)} s`,
    `- Tokens: ${usage.input} in, ${usage.output} out, ${usage.cacheRead} cache read, ${usage.cacheWrite} cache write`,
  ];
  if (result.errorMessage) lines.push('', '## Error', '', result.errorMessage);

  const tools = [...tallyTools(events)].sort(([a], [b]) => a.localeCompare(b));
  lines.push('', '## Tools used', '');
  if (tools.length === 0) lines.push('None.');
  for (const [name, tally] of tools) {
    const failed = tally.errors > 0 ? `, ${tally.errors} failed` : '';
    lines.push(`- ${name}: ${tally.calls} call${tally.calls === 1 ? '' : 's'}${failed}`);
  }

  lines.push('', '## Final text', '', result.text.trim() || '(no text)', '');
  return lines.join('\n');
}
