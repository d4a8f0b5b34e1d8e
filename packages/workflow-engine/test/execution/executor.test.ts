import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { CheckpointManager, runStateFromCheckpoint } from '../../src/execution/CheckpointManager.ts';
import { ExecutionFiles } from '../../src/storage/FileSystemStorage.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { ScriptOutput } from '../../src/types/step.ts';
import { inlineDefinition, isAlive, recordingSink, tempDir, until } from '../helpers.ts';

async function setup() {
  const dir = await tempDir();
  const store = createMemoryRunStore();
  const events = recordingSink();
  const executionsDir = join(dir, 'executions');
  const executor = createExecutor({
    store,
    events,
    executionsDir,
    workingDir: dir,
    retryBaseDelayMs: 10,
    controlPollMs: 20,
  });
  return { dir, store, events, executor, executionsDir };
}

describe('WorkflowExecutor', () => {
  it('creates a run it executes at once claimed and running: no claim and no start write of its own', async () => {
    const { dir, store, executor } = await setup();
    const calls: string[] = [];
    for (const method of ['createRun', 'claimRun', 'claimNextRun', 'updateRun', 'recordStep'] as const) {
      const original = store[method].bind(store) as (...args: unknown[]) => unknown;
      (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        calls.push(method);
        return original(...args);
      };
    }
    const definition = await inlineDefinition(dir, 'one-step', {
      name: 'One step',
      phases: ['build'],
      async execute(ctx) {
        await ctx.step('only', { phase: 'build', run: () => 1 });
      },
    });
    const run = await executor.run(definition, {});
    expect(run.status).toBe('completed');
    expect(calls).toEqual(['createRun', 'recordStep', 'updateRun']);
  });

  it('runs function and script steps in order, journals them and emits the seed events', async () => {
    const { dir, store, events, executor } = await setup();
    const definition = await inlineDefinition(dir, 'basic', {
      name: 'Basic',
      phases: ['build', 'test'],
      args: z.object({ greeting: z.string().default('hello') }),
      async execute(ctx, args) {
        const made = await ctx.step('make', { phase: 'build', run: () => ({ word: args.greeting }) });
        const echoed = await ctx.step<ScriptOutput>('echo', {
          phase: 'test',
          command: ['node', '-e', 'console.log(JSON.stringify({ ok: true }))'],
        });
        return { made: made.data, echoed: echoed.data.json };
      },
    });
    const run = await executor.run(definition, {});
    expect(run).toMatchObject({
      status: 'completed',
      currentPhase: 'test',
      output: { made: { word: 'hello' }, echoed: { ok: true } },
    });
    const journal = await store.getJournal(run.id);
    expect(journal.map((r) => [r.stepId, r.type, r.status, r.attempt])).toEqual([
      ['make', 'function', 'completed', 1],
      ['echo', 'script', 'completed', 1],
    ]);
    expect(events.types()).toEqual([
      'workflow.execution.status_changed',
      'workflow.execution.status_changed',
      'workflow.execution.phase_changed',
      'workflow.step.started',
      'workflow.step.completed',
      'workflow.execution.phase_changed',
      'workflow.step.started',
      'workflow.step.completed',
      'workflow.execution.status_changed',
    ]);
    const output = events.events.find((e) => e.type === 'workflow.step.progress');
    expect(output?.data).toMatchObject({
      execution_id: run.id,
      step_id: 'echo',
      phase: 'test',
      progress: { kind: 'output', stream: 'stdout' },
    });
  });

  it('writes the execution directory: immutable snapshot, step logs and one checkpoint per committed step', async () => {
    const { dir, executor, executionsDir } = await setup();
    const definition = await inlineDefinition(dir, 'files', {
      name: 'Files',
      phases: ['build'],
      async execute(ctx) {
        await ctx.step('one', { phase: 'build', command: 'echo one-out; echo one-err >&2' });
        await ctx.step('two', { phase: 'build', run: () => 2 });
      },
    });
    const run = await executor.run(definition, {});
    const files = new ExecutionFiles(executionsDir, run.id);
    expect(await files.readDefinition()).toMatchObject({
      id: 'files',
      name: 'Files',
      phases: [{ id: 'build', label: 'Build' }],
    });
    expect(await files.readArgs()).toEqual({});
    await expect(files.writeSnapshot(await files.readDefinition(), {}, '')).rejects.toMatchObject({
      code: 'snapshot_immutable',
    });
    const eventsLog = await readFile(files.logPath('one', 'events'), 'utf8');
    expect(eventsLog).toContain('one-out');
    expect(eventsLog).toContain('"stream":"stderr"');
    expect(JSON.parse(await readFile(files.logPath('one', 'input'), 'utf8'))).toMatchObject({
      type: 'script',
      command: 'echo one-out; echo one-err >&2',
    });
    expect(JSON.parse(await readFile(files.logPath('one', 'output'), 'utf8'))).toMatchObject({
      status: 'completed',
      data: { exitCode: 0 },
    });
    expect(await readFile(files.logPath('one', 'summary'), 'utf8')).toMatch(/exit code: 0/);
    expect(await readdir(files.checkpointsDir)).toEqual(['000001-one.json', '000002-two.json']);
    const latest = await new CheckpointManager(files.checkpointsDir).loadLatest();
    expect(latest).toMatchObject({
      execution_id: run.id,
      current_phase: 'build',
      current_step_index: 2,
      completed_step_ids: ['one', 'two'],
      step_results: { two: { data: 2 } },
    });
  });

  it('replays completed steps from the journal after a pause instead of running them again', async () => {
    const { dir, executor, store } = await setup();
    const ran: string[] = [];
    const definition = await inlineDefinition(dir, 'replay', {
      name: 'Replay',
      phases: ['a', 'b'],
      async execute(ctx) {
        const first = await ctx.step('first', { phase: 'a', run: () => (ran.push('first'), Math.random()) });
        await ctx.step('pause-me', {
          phase: 'a',
          run: async () => (ran.push('pause-me'), await executor.pause(ctx.runId)) && 'asked',
        });
        const third = await ctx.step('third', { phase: 'b', run: () => (ran.push('third'), 3) });
        return { first: first.data, third: third.data };
      },
    });
    const paused = await executor.run(definition, {});
    expect(paused.status).toBe('paused');
    expect(ran).toEqual(['first', 'pause-me']);
    await executor.resume(paused.id);
    const done = await executor.execute(paused.id, definition);
    expect(done.status).toBe('completed');
    expect(ran).toEqual(['first', 'pause-me', 'third']);
    const firstRecord = (await store.getJournal(paused.id))[0];
    expect((done.output as { first: number }).first).toBe(firstRecord?.result?.data);
  });

  it('fails a run that uses a step id twice, naming the id', async () => {
    const { dir, executor } = await setup();
    const definition = await inlineDefinition(dir, 'dup', {
      name: 'Dup',
      phases: ['a'],
      async execute(ctx) {
        await ctx.step('same', { phase: 'a', run: () => 1 });
        await ctx.step('same', { phase: 'a', run: () => 2 });
      },
    });
    const run = await executor.run(definition, {});
    expect(run.status).toBe('failed');
    expect(run.error).toBe('step id "same" is used twice in one run; each ctx.step call needs its own id');
  });

  it('fails with a determinism error naming both steps when the template asks for other steps on replay', async () => {
    const { dir, executor } = await setup();
    let version = 1;
    const definition = await inlineDefinition(dir, 'drift', {
      name: 'Drift',
      phases: ['a'],
      async execute(ctx) {
        await ctx.step(version === 1 ? 'original' : 'renamed', { phase: 'a', run: () => 1 });
        await ctx.step('stop', { phase: 'a', run: async () => void (await executor.pause(ctx.runId)) });
        await ctx.step('after', { phase: 'a', run: () => 3 });
      },
    });
    const paused = await executor.run(definition, {});
    expect(paused.status).toBe('paused');
    version = 2;
    await executor.resume(paused.id);
    const run = await executor.execute(paused.id, definition);
    expect(run.status).toBe('failed');
    expect(run.error).toBe(
      'replay asked for step "renamed" at position 0, but the journal recorded step "original" there; ' +
        'the template changed, or code between steps depends on something other than args and step results',
    );
  });

  it('retries a failing step with backoff and reports its attempts', async () => {
    const { dir, executor, store } = await setup();
    let calls = 0;
    const definition = await inlineDefinition(dir, 'retry', {
      name: 'Retry',
      phases: ['a'],
      async execute(ctx) {
        return (
          await ctx.step('flaky', {
            phase: 'a',
            retries: 2,
            run: () => {
              calls++;
              if (calls < 3) throw new Error(`flake ${calls}`);
              return 'ok';
            },
          })
        ).data;
      },
    });
    const run = await executor.run(definition, {});
    expect(run).toMatchObject({ status: 'completed', output: 'ok' });
    expect((await store.getJournal(run.id))[0]).toMatchObject({ attempt: 3, result: { attempts: 3 } });
  });

  it('fails a step that runs past its timeout, after its retries, and kills its process', async () => {
    const { dir, executor, store } = await setup();
    const definition = await inlineDefinition(dir, 'slow', {
      name: 'Slow',
      phases: ['a'],
      async execute(ctx) {
        await ctx.step('sleepy', { phase: 'a', timeoutMs: 150, retries: 1, command: ['sleep', '30'] });
      },
    });
    const run = await executor.run(definition, {});
    expect(run.status).toBe('failed');
    expect(run.error).toBe('step "sleepy" failed: timed out after 150 ms');
    expect((await store.getJournal(run.id))[0]).toMatchObject({
      status: 'failed',
      attempt: 2,
      error: { code: 'timeout' },
    });
  });

  it('continues past a failed step marked continueOnError and returns its failed result', async () => {
    const { dir, executor } = await setup();
    const definition = await inlineDefinition(dir, 'cont', {
      name: 'Continue',
      phases: ['a'],
      async execute(ctx) {
        const failed = await ctx.step<ScriptOutput>('fails', { phase: 'a', command: 'exit 3', continueOnError: true });
        return { status: failed.status, code: failed.data.exitCode, error: failed.error?.message };
      },
    });
    const run = await executor.run(definition, {});
    expect(run).toMatchObject({
      status: 'completed',
      output: { status: 'failed', code: 3, error: 'exited with code 3' },
    });
  });

  it('fails a function step whose value cannot be stored as JSON, saying so', async () => {
    const { dir, executor } = await setup();
    const definition = await inlineDefinition(dir, 'bigint', {
      name: 'BigInt',
      phases: ['a'],
      async execute(ctx) {
        await ctx.step('big', { phase: 'a', run: () => 10n });
      },
    });
    const run = await executor.run(definition, {});
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/cannot be stored as JSON/);
  });

  it('rejects args that break the schema before creating a run, naming the field', async () => {
    const { dir, executor, store } = await setup();
    const definition = await inlineDefinition(dir, 'typed', {
      name: 'Typed',
      phases: ['a'],
      args: z.object({ count: z.number() }),
      async execute() {},
    });
    await expect(executor.start(definition, { count: 'three' })).rejects.toMatchObject({
      code: 'args_invalid',
      message: expect.stringContaining('args.count'),
    });
    expect(await store.listRuns()).toHaveLength(0);
  });

  it('cancels a running script step and leaves none of its process tree behind', async () => {
    const { dir, executor, store } = await setup();
    const pidFile = join(dir, 'grandchild.pid');
    const definition = await inlineDefinition(dir, 'cancel', {
      name: 'Cancel',
      phases: ['a'],
      async execute(ctx) {
        await ctx.step('tree', { phase: 'a', command: `sh -c 'sleep 1000 & echo $! > ${pidFile}; wait'` });
        await ctx.step('never', { phase: 'a', run: () => 'should not run' });
      },
    });
    const created = await executor.start(definition, {});
    const running = executor.execute(created.id, definition);
    await until(() => existsSync(pidFile) && readFileSyncSafe(pidFile) !== '', 'the grandchild to start');
    const grandchild = Number(readFileSyncSafe(pidFile));
    expect(isAlive(grandchild)).toBe(true);
    await executor.cancel(created.id);
    const run = await running;
    expect(run.status).toBe('cancelled');
    await until(() => !isAlive(grandchild), 'the grandchild to die', 5_000);
    expect((await store.getJournal(run.id)).map((r) => [r.stepId, r.status])).toEqual([['tree', 'cancelled']]);
  });

  it('pauses now by stopping the running step, which runs again on resume', async () => {
    const { dir, executor, store } = await setup();
    let attempts = 0;
    const definition = await inlineDefinition(dir, 'pause-now', {
      name: 'Pause now',
      phases: ['a'],
      async execute(ctx) {
        return (
          await ctx.step('long', {
            phase: 'a',
            run: async ({ signal }) => {
              attempts++;
              if (attempts === 1) await new Promise((_, reject) => signal.addEventListener('abort', reject));
              return 'second time';
            },
          })
        ).data;
      },
    });
    const created = await executor.start(definition, {});
    const running = executor.execute(created.id, definition);
    await until(() => attempts === 1, 'the step to start');
    await executor.pause(created.id, { now: true });
    expect((await running).status).toBe('paused');
    // A function step is journaled only when it commits: the interrupted one left no record, and simply runs again.
    expect(await store.getJournal(created.id)).toEqual([]);
    await executor.resume(created.id);
    expect(await executor.execute(created.id, definition)).toMatchObject({
      status: 'completed',
      output: 'second time',
    });
  });

  it('still cancels when template code swallows the interruption', async () => {
    const { dir, executor } = await setup();
    let started = false;
    const definition = await inlineDefinition(dir, 'swallow', {
      name: 'Swallow',
      phases: ['a'],
      async execute(ctx) {
        try {
          await ctx.step('wait', {
            phase: 'a',
            run: ({ signal }) =>
              new Promise((_, reject) => {
                started = true;
                signal.addEventListener('abort', reject);
              }),
          });
        } catch {
          return 'pretended nothing happened';
        }
      },
    });
    const created = await executor.start(definition, {});
    const running = executor.execute(created.id, definition);
    await until(() => started, 'the step to start');
    await executor.cancel(created.id);
    expect((await running).status).toBe('cancelled');
  });

  it('waits at a manual gate until advanced, then carries on', async () => {
    const { dir, executor, events } = await setup();
    const definition = await inlineDefinition(dir, 'gate', {
      name: 'Gate',
      phases: ['build', { id: 'review', gate: 'manual' }, 'ship'],
      async execute(ctx) {
        await ctx.step('build', { phase: 'build', run: () => 1 });
        await ctx.step('approve', { phase: 'review', run: () => 2 });
        await ctx.step('ship', { phase: 'ship', run: () => 3 });
      },
    });
    const waiting = await executor.run(definition, {});
    expect(waiting).toMatchObject({ status: 'waiting', waitingGate: 'review', currentPhase: 'build' });
    await expect(executor.resume(waiting.id)).rejects.toMatchObject({ code: 'invalid_transition' });
    await executor.advance(waiting.id);
    const done = await executor.execute(waiting.id, definition);
    expect(done).toMatchObject({ status: 'completed', currentPhase: 'ship', approvedGates: ['review'] });
    const statuses = events.events
      .filter((e) => e.type === 'workflow.execution.status_changed')
      .map((e) => e.data.status);
    expect(statuses).toEqual(['pending', 'running', 'waiting', 'pending', 'running', 'completed']);
  });

  it('stops at a gated phase that has no steps of its own before the next phase starts', async () => {
    const { dir, executor } = await setup();
    const definition = await inlineDefinition(dir, 'empty-gate', {
      name: 'Empty gate',
      phases: ['build', { id: 'review', gate: 'manual' }, 'ship'],
      async execute(ctx) {
        await ctx.step('build', { phase: 'build', run: () => 1 });
        await ctx.step('ship', { phase: 'ship', run: () => 2 });
      },
    });
    const waiting = await executor.run(definition, {});
    expect(waiting).toMatchObject({ status: 'waiting', waitingGate: 'review', currentPhase: 'build' });
    await executor.advance(waiting.id);
    expect(await executor.execute(waiting.id, definition)).toMatchObject({ status: 'completed', currentPhase: 'ship' });
  });

  it('re-runs from a phase: earlier phases keep their results, later ones run again', async () => {
    const { dir, executor, store } = await setup();
    const counts: Record<string, number> = {};
    const count = (id: string) => (counts[id] = (counts[id] ?? 0) + 1);
    const definition = await inlineDefinition(dir, 'rerun', {
      name: 'Rerun',
      phases: ['plan', 'build', 'test'],
      async execute(ctx) {
        await ctx.step('plan', { phase: 'plan', run: () => count('plan') });
        await ctx.step('build', { phase: 'build', run: () => count('build') });
        await ctx.step('test', { phase: 'test', run: () => count('test') });
      },
    });
    const run = await executor.run(definition, {});
    await executor.rerun(run.id, 'build', definition);
    expect(await executor.execute(run.id, definition)).toMatchObject({ status: 'completed' });
    expect(counts).toEqual({ plan: 1, build: 2, test: 2 });
    const history = await store.getJournal(run.id, { includeInvalidated: true });
    expect(history.filter((r) => r.invalidatedAt).map((r) => r.stepId)).toEqual(['build', 'test']);
    await expect(executor.rerun(run.id, 'deploy', definition)).rejects.toThrow(
      /not a phase of rerun \(plan, build, test\)/,
    );
  });

  it('writes a comment once even though execute is replayed', async () => {
    const { dir, executor, store } = await setup();
    const definition = await inlineDefinition(dir, 'comment', {
      name: 'Comment',
      phases: ['a'],
      async execute(ctx) {
        await ctx.step('one', { phase: 'a', run: () => 1 });
        await ctx.comment('one is done');
        await ctx.step('stop', { phase: 'a', run: async () => void (await executor.pause(ctx.runId)) });
        await ctx.step('two', { phase: 'a', run: () => 2 });
      },
    });
    const run = await executor.run(definition, {});
    await executor.resume(run.id);
    await executor.execute(run.id, definition);
    expect((await store.listComments(run.id)).map((c) => c.text)).toEqual(['one is done']);
  });

  it('resumes from checkpoint files alone, in a fresh store, to the same output', async () => {
    const { dir, executor, executionsDir } = await setup();
    const ran: string[] = [];
    const definition = await inlineDefinition(dir, 'from-files', {
      name: 'From files',
      phases: ['a', 'b'],
      args: z.object({ n: z.number() }),
      async execute(ctx, args) {
        const one = await ctx.step<number>('one', { phase: 'a', run: () => (ran.push('one'), args.n * 10) });
        await ctx.step('stop', {
          phase: 'a',
          run: async () => (ran.push('stop'), void (await executor.pause(ctx.runId))),
        });
        const two = await ctx.step<number>('two', { phase: 'b', run: () => (ran.push('two'), one.data + 1) });
        return two.data;
      },
    });
    const paused = await executor.run(definition, { n: 4 });
    const files = new ExecutionFiles(executionsDir, paused.id);
    const checkpoint = await new CheckpointManager(files.checkpointsDir).loadLatest();
    const fresh = createMemoryRunStore();
    fresh.importRun(runStateFromCheckpoint(checkpoint!, await files.readArgs()));
    const again = createExecutor({ store: fresh, executionsDir, workingDir: dir });
    expect(await again.execute(paused.id, definition)).toMatchObject({ status: 'completed', output: 41 });
    expect(ran).toEqual(['one', 'stop', 'two']);
  });

  it('runs an agent step through the agent runner and journals its session id as soon as it is reported', async () => {
    const dir = await tempDir();
    const store = createMemoryRunStore();
    const seen: { sessionAtInit?: string | null; prompt?: string } = {};
    const executor = createExecutor({
      store,
      workingDir: dir,
      agents: {
        async run(request, hooks) {
          seen.prompt = request.prompt;
          await hooks.onSessionStarted('session-42');
          const journal = await store.getJournal((await store.listRuns())[0]!.id);
          seen.sessionAtInit = journal[0]?.agentSessionId;
          hooks.onEvent({ type: 'message.text', text: 'hi' });
          return {
            text: 'done',
            sessionId: 'session-42',
            usage: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 },
            costUsd: 0.01,
            numTurns: 1,
            durationMs: 5,
            isError: false,
          };
        },
      },
    });
    const definition = await inlineDefinition(dir, 'agent', {
      name: 'Agent',
      phases: ['a'],
      async execute(ctx) {
        return (await ctx.step<{ text: string }>('ask', { phase: 'a', agent: 'claude', prompt: 'Say hi' })).data.text;
      },
    });
    const run = await executor.run(definition, {});
    expect(run).toMatchObject({ status: 'completed', output: 'done' });
    expect(seen).toEqual({ prompt: 'Say hi', sessionAtInit: 'session-42' });
  });
});

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
