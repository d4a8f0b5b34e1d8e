import { describe, expect, it } from 'vitest';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { JournalCursor, replayOrRun, skipCall, stepCall } from '../../src/execution/replay.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { AgentRunner, JournalRecord } from '../../src/ports.ts';
import type { StepResult, StepSpec } from '../../src/types/step.ts';
import type { StepStatus, StepType } from '../../src/types/status.ts';
import { inlineDefinition, tempDir } from '../helpers.ts';

function record(stepId: string, index: number, type: StepType, status: StepStatus = 'completed'): JournalRecord {
  const result: StepResult = { status, data: `${stepId} data`, attempts: 1, startedAt: 't0', finishedAt: 't1' };
  return {
    runId: 'run-1',
    stepId,
    index,
    name: stepId,
    phase: 'a',
    type,
    status,
    attempt: 1,
    input: null,
    result,
    error: null,
    agentSessionId: null,
    agentSessionRecordId: null,
    startedAt: 't0',
    finishedAt: 't1',
    invalidatedAt: null,
  };
}

const script: StepSpec = { type: 'script', command: 'true', phase: 'a' };
const agent: StepSpec = { type: 'agent', agent: 'claude', prompt: 'Do it', phase: 'a' };

/** Replays one call against `journal`, counting the times the step would have run. */
async function replayOne(journal: JournalRecord[], call: Parameters<typeof replayOrRun>[1]) {
  const ran: number[] = [];
  const outcome = replayOrRun(new JournalCursor(journal), call, async ({ position }) => {
    ran.push(position);
    return { status: 'completed', data: 'ran now', attempts: 1, startedAt: 't0', finishedAt: 't1' };
  });
  return { outcome, ran };
}

describe('the replay rule', () => {
  it('returns the recorded result of a final record without running the step', async () => {
    const { outcome, ran } = await replayOne([record('build', 0, 'script')], stepCall('build', script));
    await expect(outcome).resolves.toMatchObject({ data: 'build data' });
    expect(ran).toEqual([]);
  });

  it('runs a step the journal does not hold yet, at its position', async () => {
    const { outcome, ran } = await replayOne([], stepCall('build', script));
    await expect(outcome).resolves.toMatchObject({ data: 'ran now' });
    expect(ran).toEqual([0]);
  });

  it('refuses a step whose type changed since the journal recorded it, naming the step and both types', async () => {
    const { outcome, ran } = await replayOne([record('build', 0, 'script')], stepCall('build', agent));
    await expect(outcome).rejects.toMatchObject({
      code: 'determinism_violation',
      expectedStepId: 'build',
      actualStepId: 'build',
      expectedType: 'script',
      actualType: 'agent',
      message: expect.stringMatching(
        /^replay asked for step "build" at position 0 as an agent step, but the journal recorded step "build" there as a script step;/,
      ),
    });
    expect(ran).toEqual([]);
  });

  it('refuses a changed type on a record that is not final either: the step would resume as another kind', async () => {
    const { outcome, ran } = await replayOne([record('build', 0, 'script', 'pending')], stepCall('build', agent));
    await expect(outcome).rejects.toMatchObject({ code: 'determinism_violation', expectedType: 'script' });
    expect(ran).toEqual([]);
  });

  it('replays a skip that names no type, whatever type the step would have', async () => {
    const skipped = record('report', 0, 'function', 'skipped');
    for (const call of [skipCall('report', undefined), skipCall('report', 'agent'), stepCall('report', script)]) {
      const { outcome, ran } = await replayOne([skipped], call);
      await expect(outcome).resolves.toMatchObject({ data: 'report data' });
      expect(ran).toEqual([]);
    }
  });

  it('holds a skip that named its type to that type', async () => {
    const skipped = record('report', 0, 'script', 'skipped');
    await expect((await replayOne([skipped], skipCall('report', undefined))).outcome).resolves.toMatchObject({
      status: 'skipped',
    });
    await expect((await replayOne([skipped], skipCall('report', 'agent'))).outcome).rejects.toMatchObject({
      code: 'determinism_violation',
      expectedType: 'script',
      actualType: 'agent',
    });
  });

  it('refuses another step at a recorded position, and a recorded step at another position', async () => {
    const journal = [record('build', 0, 'script'), record('test', 1, 'script')];
    await expect((await replayOne(journal, stepCall('lint', script))).outcome).rejects.toMatchObject({
      code: 'determinism_violation',
      expectedStepId: 'build',
      actualStepId: 'lint',
      expectedType: null,
    });
    await expect(
      (await replayOne([record('test', 1, 'script')], stepCall('test', script))).outcome,
    ).rejects.toMatchObject({
      code: 'determinism_violation',
      expectedStepId: 'test',
      actualStepId: 'test',
      message: 'replay asked for step "test" at position 0, but the journal recorded it at position 1',
    });
  });
});

describe('replaying a run whose template changed a step type', () => {
  it('fails the run with a determinism error naming the step and both types, and runs no agent', async () => {
    const dir = await tempDir();
    const agentCalls: string[] = [];
    const agents: AgentRunner = {
      async run(request) {
        agentCalls.push(request.prompt);
        throw new Error('the agent must not run on a replay');
      },
    };
    const executor = createExecutor({ store: createMemoryRunStore(), agents, workingDir: dir, controlPollMs: 20 });
    let edited = false;
    const definition = await inlineDefinition(dir, 'retyped', {
      name: 'Retyped',
      phases: ['a'],
      async execute(ctx) {
        await ctx.step(
          'work',
          edited
            ? { phase: 'a', agent: 'claude', prompt: 'Do the work' }
            : { phase: 'a', command: ['node', '-e', 'console.log("worked")'] },
        );
        await ctx.step('stop', { phase: 'a', run: async () => void (await executor.pause(ctx.runId)) });
        await ctx.step('later', { phase: 'a', run: () => 'after the pause' });
      },
    });
    const paused = await executor.run(definition, {});
    expect(paused.status).toBe('paused');
    edited = true;
    await executor.resume(paused.id);
    const run = await executor.execute(paused.id, definition);
    expect(run.status).toBe('failed');
    expect(run.error).toBe(
      'replay asked for step "work" at position 0 as an agent step, but the journal recorded step "work" there as a ' +
        'script step; the template changed, or code between steps depends on something other than args and step results',
    );
    expect(agentCalls).toEqual([]);
  });
});
