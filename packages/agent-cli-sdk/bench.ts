/**
 * Benchmarks for the agent CLI SDK, called from the root bench (`npm run bench`):
 * - `parse_events_per_s`: events per second out of the Claude parser, over a 100k-line stream built in memory from
 *   the recorded samples (the tool run, replayed with fresh message ids so usage is tallied as in a long session);
 * - `spawn_overhead_ms`: wall time of a whole `runner.run` against fake-claude printing init + result and exiting at
 *   once (process start, stream handling, group cleanup), median and p99 of 50 runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClaudeParser } from './src/adapters/claude.ts';
import { createAgentRunner } from './src/runner.ts';
import { fakeClaudePath, recordedStream } from './test/fixtures/index.ts';

function claudeStream(lineCount: number): string[] {
  const [init, ...body] = recordedStream('claude-tool');
  const turn = body.slice(0, -1); // text, tool_use, tool_result, text
  const lines = [init!];
  for (let i = 0; lines.length < lineCount - 1; i += 1) {
    for (const line of turn) lines.push(line.replaceAll('msg_fake000', `msg_bench${i}_`));
  }
  lines.length = lineCount - 1;
  lines.push(body.at(-1)!);
  return lines;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function benchAgentSdk(): Promise<{
  parse_events_per_s: number;
  spawn_overhead_ms: { median: number; p99: number };
}> {
  const lines = claudeStream(100_000);
  const parser = createClaudeParser();
  let events = 0;
  const parseStart = performance.now();
  for (const line of lines) events += parser.parseLine(line).length;
  const parseSeconds = (performance.now() - parseStart) / 1000;

  const cwd = mkdtempSync(path.join(tmpdir(), 'agent-sdk-bench-'));
  const runner = createAgentRunner({ paths: { claude: fakeClaudePath } });
  const env = { FAKE_AGENT_SCENARIO: 'quick', FAKE_AGENT_DELAY_MS: '0' };
  const hooks = { signal: new AbortController().signal, onEvent() {}, onSessionStarted() {} };
  const durations: number[] = [];
  try {
    for (let i = 0; i < 50; i += 1) {
      const start = performance.now();
      await runner.run({ agent: 'claude', prompt: 'bench', cwd, env }, hooks);
      durations.push(performance.now() - start);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  durations.sort((a, b) => a - b);
  return {
    parse_events_per_s: Math.round(events / parseSeconds),
    spawn_overhead_ms: { median: percentile(durations, 50), p99: percentile(durations, 99) },
  };
}
