/**
 * Claude Code reports `total_cost_usd` only in its final `result` line, but a cost budget has to stop the agent while
 * it runs. So the running cost is estimated from each API message's token usage with list prices (USD per million
 * tokens). It is an estimate for budget enforcement only: the final `AgentResult.costUsd` is always the CLI's own.
 * Cache reads cost 0.1× and cache writes 1.25× the input price.
 */
import type { AgentUsage } from '../types.ts';

interface Price {
  input: number;
  output: number;
}

const PRICES: { match: RegExp; price: Price }[] = [
  { match: /opus-4-[01]\b|opus-4$|claude-3-opus/, price: { input: 15, output: 75 } },
  { match: /opus/, price: { input: 5, output: 25 } },
  { match: /sonnet/, price: { input: 3, output: 15 } },
  { match: /haiku/, price: { input: 1, output: 5 } },
];

/** `null` for a model this table does not know (the estimate is then left out, not guessed). */
export function estimateClaudeCostUsd(model: string, usage: AgentUsage): number | null {
  const price = PRICES.find((entry) => entry.match.test(model))?.price;
  if (!price) return null;
  const inputTokens = usage.input + usage.cacheRead * 0.1 + usage.cacheWrite * 1.25;
  return (inputTokens * price.input + usage.output * price.output) / 1_000_000;
}
