/**
 * How many tokens a Codex thread had used before this run. `codex exec --json` reports `turn.completed.usage` for the
 * whole THREAD (measured with 0.169.0: a tool run 84/34, its resume 126/51, the next 168/68), while every other CLI
 * reports the run's own. Codex keeps each thread as `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread>.jsonl`
 * (CODEX_HOME defaults to `$HOME/.codex`) whose `token_count` events hold the running total; its last one, read
 * before the resumed run starts, is what to subtract.
 *
 * Best effort: a rollout that cannot be found or read (another CODEX_HOME layout, a later format) gives `null`, and
 * the run then reports the thread's total, as Codex does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AgentUsage } from '../types.ts';

const tokenCountSchema = z.looseObject({
  type: z.literal('event_msg'),
  payload: z.looseObject({
    type: z.literal('token_count'),
    info: z.looseObject({
      total_token_usage: z.looseObject({
        input_tokens: z.number().optional(),
        cached_input_tokens: z.number().optional(),
        cache_write_input_tokens: z.number().optional(),
        output_tokens: z.number().optional(),
      }),
    }),
  }),
});

export function codexHome(env: NodeJS.ProcessEnv): string | null {
  if (env.CODEX_HOME) return env.CODEX_HOME;
  return env.HOME ? path.join(env.HOME, '.codex') : null;
}

function findRollout(sessionsDir: string, threadId: string): string | null {
  let names: string[];
  try {
    names = readdirSync(sessionsDir, { recursive: true, encoding: 'utf8' });
  } catch {
    return null;
  }
  // The newest day folder first, should a thread ever have been written in two.
  const suffix = `-${threadId}.jsonl`;
  const found = names.filter((name) => name.endsWith(suffix)).sort();
  return found.length > 0 ? path.join(sessionsDir, found.at(-1)!) : null;
}

export function codexThreadUsage(env: NodeJS.ProcessEnv, threadId: string): AgentUsage | null {
  const home = codexHome(env);
  if (!home || !/^[\w-]+$/.test(threadId)) return null;
  const file = findRollout(path.join(home, 'sessions'), threadId);
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  let last: AgentUsage | null = null;
  for (const line of text.split('\n')) {
    if (!line.includes('"token_count"')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = tokenCountSchema.safeParse(value);
    if (!parsed.success) continue;
    const usage = parsed.data.payload.info.total_token_usage;
    last = {
      input: usage.input_tokens ?? 0,
      output: usage.output_tokens ?? 0,
      cacheRead: usage.cached_input_tokens ?? 0,
      cacheWrite: usage.cache_write_input_tokens ?? 0,
    };
  }
  return last;
}
