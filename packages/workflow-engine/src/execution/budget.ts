/**
 * Agent budgets. A step's own budget and the run's (from the template) both cap an agent step: it gets the
 * smaller of its own and what the run has left. Budgets count from the run's last start or resume, so resuming
 * a run that its budget paused grants it another budget's worth — a person decided to spend more.
 */
import type { AgentResult } from '../ports.ts';

export interface Budget {
  maxCostUsd?: number;
  maxTurns?: number;
}

export interface Spend {
  costUsd: number;
  turns: number;
}

export function addSpend(spend: Spend, result: AgentResult | null): void {
  if (!result) return;
  spend.costUsd += result.costUsd ?? 0;
  spend.turns += result.numTurns ?? 0;
}

/** What an agent step may spend now; `exhausted` names the run budget that is already used up. */
export function stepBudget(
  step: Budget | undefined,
  run: Budget | undefined,
  spent: Spend,
): { budget?: Budget; exhausted?: string } {
  const remainingCost = run?.maxCostUsd === undefined ? undefined : run.maxCostUsd - spent.costUsd;
  const remainingTurns = run?.maxTurns === undefined ? undefined : run.maxTurns - spent.turns;
  if (remainingCost !== undefined && remainingCost <= 0) {
    return { exhausted: `the run's budget of $${run!.maxCostUsd} is spent ($${spent.costUsd.toFixed(4)} so far)` };
  }
  if (remainingTurns !== undefined && remainingTurns <= 0) {
    return { exhausted: `the run's budget of ${run!.maxTurns} agent turns is used up` };
  }
  const maxCostUsd = smaller(step?.maxCostUsd, remainingCost);
  const maxTurns = smaller(step?.maxTurns, remainingTurns);
  if (maxCostUsd === undefined && maxTurns === undefined) return {};
  return {
    budget: { ...(maxCostUsd !== undefined ? { maxCostUsd } : {}), ...(maxTurns !== undefined ? { maxTurns } : {}) },
  };
}

function smaller(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
