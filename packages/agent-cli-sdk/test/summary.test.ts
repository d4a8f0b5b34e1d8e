import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../src/events.ts';
import { renderAgentSummary } from '../src/summary.ts';
import type { AgentResult } from '../src/types.ts';

const result: AgentResult = {
  text: 'All tests pass.\n',
  sessionId: 'sess-1',
  usage: { input: 84, output: 34, cacheRead: 10, cacheWrite: 0 },
  costUsd: 0.00127,
  numTurns: 2,
  durationMs: 1370,
  isError: false,
};

describe('renderAgentSummary', () => {
  it('lists outcome, cost, turns, duration, tools with failures, and the final text', () => {
    const events: AgentEvent[] = [
      { type: 'tool.call', id: 't1', name: 'Bash', input: { command: 'npm test' } },
      { type: 'tool.result', id: 't1', output: 'fail', isError: true },
      { type: 'tool.call', id: 't2', name: 'Bash', input: { command: 'npm test' } },
      { type: 'tool.result', id: 't2', output: 'ok', isError: false },
      { type: 'tool.call', id: 't3', name: 'Edit', input: {} },
    ];
    const summary = renderAgentSummary(result, events);
    expect(summary).toContain('- Outcome: succeeded');
    expect(summary).toContain('- Cost: $0.0013');
    expect(summary).toContain('- Turns: 2');
    expect(summary).toContain('- Duration: 1.4 s');
    expect(summary).toContain('- Bash: 2 calls, 1 failed\n- Edit: 1 call\n');
    expect(summary).toMatch(/## Final text\n\nAll tests pass\.\n$/);
  });

  it('names a budget stop and its message, and says when no tool was used', () => {
    const stopped: AgentResult = {
      ...result,
      costUsd: null,
      isError: true,
      stopReason: 'budget',
      errorMessage: 'cost budget exceeded',
    };
    const summary = renderAgentSummary(stopped, [{ not: 'an event' }]);
    expect(summary).toContain('- Outcome: stopped: budget exceeded');
    expect(summary).toContain('- Cost: not reported');
    expect(summary).toContain('## Error\n\ncost budget exceeded');
    expect(summary).toContain('## Tools used\n\nNone.');
  });
});
