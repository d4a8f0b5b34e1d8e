import { describe, expect, it } from 'vitest';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { stepBudget } from '../../src/execution/budget.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { AgentResult, AgentRunRequest } from '../../src/ports.ts';
import { inlineDefinition, tempDir } from '../helpers.ts';

const usage = { input: 10, output: 10, cacheRead: 0, cacheWrite: 0 };

describe('agent budgets', () => {
  it('gives an agent step the smaller of its own budget and what the run has left', () => {
    expect(stepBudget({ maxCostUsd: 1 }, { maxCostUsd: 3 }, { costUsd: 2.5, turns: 0 })).toEqual({
      budget: { maxCostUsd: 0.5 },
    });
    expect(stepBudget({ maxTurns: 4 }, undefined, { costUsd: 0, turns: 9 })).toEqual({ budget: { maxTurns: 4 } });
    expect(stepBudget(undefined, { maxTurns: 5 }, { costUsd: 0, turns: 5 })).toEqual({
      exhausted: "the run's budget of 5 agent turns is used up",
    });
    expect(stepBudget(undefined, undefined, { costUsd: 100, turns: 100 })).toEqual({});
  });

  it('pauses the run with a system comment when an agent stops for its budget, and resume continues its session', async () => {
    const dir = await tempDir();
    const store = createMemoryRunStore();
    const requests: AgentRunRequest[] = [];
    const executor = createExecutor({
      store,
      workingDir: dir,
      agents: {
        async run(request, hooks): Promise<AgentResult> {
          requests.push(request);
          await hooks.onSessionStarted('sess-budget');
          if (requests.length === 1) {
            return {
              text: '',
              sessionId: 'sess-budget',
              usage,
              costUsd: 0.3,
              numTurns: 3,
              durationMs: 1,
              isError: true,
              stopReason: 'budget',
              errorMessage: 'maxCostUsd 0.25 exceeded ($0.30)',
            };
          }
          return {
            text: 'finished',
            sessionId: 'sess-budget',
            usage,
            costUsd: 0.1,
            numTurns: 1,
            durationMs: 1,
            isError: false,
          };
        },
      },
    });
    const definition = await inlineDefinition(dir, 'budgeted', {
      name: 'Budgeted',
      phases: ['work'],
      budget: { maxCostUsd: 5 },
      async execute(ctx) {
        return (
          await ctx.step<{ text: string }>('agent', {
            phase: 'work',
            agent: 'claude',
            prompt: 'Do it',
            budget: { maxCostUsd: 0.25 },
          })
        ).data.text;
      },
    });
    const paused = await executor.run(definition, {});
    expect(paused.status).toBe('paused');
    expect(requests[0]?.budget).toEqual({ maxCostUsd: 0.25 });
    expect((await store.listComments(paused.id)).map((c) => c.text)).toEqual([
      'Paused: maxCostUsd 0.25 exceeded ($0.30)',
    ]);
    expect((await store.getJournal(paused.id))[0]).toMatchObject({ status: 'pending', agentSessionId: 'sess-budget' });

    await executor.resume(paused.id);
    expect(await executor.execute(paused.id, definition)).toMatchObject({ status: 'completed', output: 'finished' });
    expect(requests[1]).toMatchObject({
      resumeSessionId: 'sess-budget',
      prompt: expect.stringContaining('Continue from where you left off'),
    });
  });

  it("pauses before an agent step once the run's own budget is spent", async () => {
    const dir = await tempDir();
    const store = createMemoryRunStore();
    let calls = 0;
    const executor = createExecutor({
      store,
      workingDir: dir,
      agents: {
        async run(): Promise<AgentResult> {
          calls++;
          return {
            text: 'ok',
            sessionId: `s${calls}`,
            usage,
            costUsd: 0.6,
            numTurns: 2,
            durationMs: 1,
            isError: false,
          };
        },
      },
    });
    const definition = await inlineDefinition(dir, 'run-budget', {
      name: 'Run budget',
      phases: ['work'],
      budget: { maxCostUsd: 1 },
      async execute(ctx) {
        for (const id of ['one', 'two', 'three']) await ctx.step(id, { phase: 'work', agent: 'claude', prompt: id });
      },
    });
    const paused = await executor.run(definition, {});
    expect(paused.status).toBe('paused');
    expect(calls).toBe(2);
    expect((await store.listComments(paused.id)).map((c) => c.text)).toEqual([
      `Paused before step "three": the run's budget of $1 is spent ($1.2000 so far). Resume to grant another budget's worth.`,
    ]);
  });
});
