/**
 * How a finished invocation becomes one `AgentResult`: the CLI's own result wins; without one, a stop the runner
 * made (budget, stall, abort) explains the failure; without either, the process died and its stderr says why.
 */
import type { ResultEvent } from './events.ts';
import type { ProcessExit } from './process.ts';
import type { AgentName, AgentResult, AgentUsage } from './types.ts';

export type StopReason = NonNullable<AgentResult['stopReason']>;

/** What the runner saw of one invocation while reading its stream. */
export interface RunRecord {
  result: ResultEvent | null;
  stop: { reason: StopReason; message: string } | null;
  sessionId: string | null;
  /** Assistant text so far, for runs that end without a result. */
  text: string;
  usage: AgentUsage;
  costUsd: number | null;
  turns: number;
}

export function toAgentResult(
  agent: AgentName,
  record: RunRecord,
  exit: ProcessExit,
  stderrTail: string,
  durationMs: number,
): AgentResult {
  const { result, stop } = record;
  if (result) {
    return {
      text: result.text,
      sessionId: result.sessionId ?? record.sessionId,
      usage: result.usage,
      costUsd: result.costUsd,
      numTurns: result.numTurns,
      durationMs,
      isError: result.isError,
      ...(result.errorMessage === undefined ? {} : { errorMessage: result.errorMessage }),
    };
  }
  const { text, sessionId, usage, costUsd, turns } = record;
  const partial = { text, sessionId, usage, costUsd, numTurns: turns, durationMs, isError: true };
  if (stop) return { ...partial, stopReason: stop.reason, errorMessage: stop.message };
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const stderr = stderrTail.slice(-2000);
  return {
    ...partial,
    errorMessage: `${agent} ${how} without a result${stderr ? `; stderr: ${stderr}` : ' (stderr was empty)'}`,
  };
}
