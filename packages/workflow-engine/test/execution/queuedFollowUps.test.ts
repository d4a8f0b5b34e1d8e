/**
 * Follow-ups queued while an agent step's turn runs, and requests for changes at a gate, with the fake Claude CLI as
 * a real child process (it logs each invocation's argv, and keeps the session id it is given with --resume).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAgentRunner } from '@switchyard/agent-cli-sdk';
import { fakeClaudePath, readFakeAgentLog } from '@switchyard/agent-cli-sdk/testing';
import { ChangesRefusedError } from '../../src/errors.ts';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import { inlineDefinition, tempDir, until } from '../helpers.ts';

async function setUp() {
  const dir = await tempDir();
  const store = createMemoryRunStore();
  const argvLog = join(dir, 'argv.jsonl');
  const hold = join(dir, 'hold');
  const executionsDir = join(dir, 'executions');
  const executor = createExecutor({
    store,
    executionsDir,
    workingDir: dir,
    controlPollMs: 20,
    agents: createAgentRunner({ paths: { claude: fakeClaudePath }, env: { FAKE_AGENT_ARGV_LOG: argvLog } }),
  });
  const invocations = () => (existsSync(argvLog) ? readFakeAgentLog(argvLog) : []);
  return { dir, store, executor, argvLog, hold, executionsDir, invocations };
}

describe('a follow-up to an agent step whose turn is running', () => {
  it('is queued, sent in the step’s session when the turn ends, journaled, and not sent again on replay', async () => {
    const { dir, store, executor, hold, executionsDir, invocations } = await setUp();
    const definition = await inlineDefinition(dir, 'think', {
      name: 'Think',
      phases: ['work'],
      async execute(ctx) {
        // The fake holds its turn open after its session line until the test writes the hold file.
        await ctx.step('think', {
          phase: 'work',
          agent: 'claude',
          prompt: 'Think.',
          env: { FAKE_AGENT_HOLD_FILE: hold },
        });
        await ctx.step('after', { phase: 'work', command: ['true'] });
      },
    });
    const created = await executor.start(definition, {});
    const running = executor.execute(created.id, definition);
    const session = async () => (await store.getJournal(created.id))[0]?.agentSessionId ?? null;
    await until(async () => (await session()) !== null, 'the session to be journaled');

    const first = await executor.followUp(created.id, 'think', 'Also check the README.');
    const second = await executor.followUp(created.id, 'think', 'And the changelog.');
    const third = await executor.followUp(created.id, 'think', 'Never mind that.');
    expect([first.state, second.state, third.state]).toEqual(['queued', 'queued', 'queued']);
    if (third.state !== 'queued') throw new Error('not queued');
    expect(await executor.followUps.cancel(third.followUp.id)).toMatchObject({ state: 'cancelled' });
    expect(invocations()).toHaveLength(1);
    // Stop at the next boundary, after `think`: the resumed run replays it.
    await executor.pause(created.id);
    await writeFile(hold, '');
    expect((await running).status).toBe('paused');

    const calls = invocations();
    expect(calls).toHaveLength(3);
    const sessionId = await session();
    for (const [call, message] of [
      [calls[1]!, 'Also check the README.'],
      [calls[2]!, 'And the changelog.'],
    ] as const) {
      expect(call.argv[call.argv.indexOf('--resume') + 1]).toBe(sessionId);
      expect(call.argv.at(-1)).toBe(message);
    }
    const comments = await store.listComments(created.id);
    expect(comments.map((c) => [c.key, c.type, c.stepId])).toEqual([
      ['follow-up:think:1', 'user', 'think'],
      ['follow-up:think:1:reply', 'agent', 'think'],
      ['follow-up:think:2', 'user', 'think'],
      ['follow-up:think:2:reply', 'agent', 'think'],
    ]);
    expect(comments[1]!.text).toBe('Hello from the fake Anthropic API.');
    expect((await executor.followUps.list(created.id)).map((f) => f.state)).toEqual([
      'delivered',
      'delivered',
      'cancelled',
    ]);
    const [think] = await store.getJournal(created.id);
    expect(think).toMatchObject({ status: 'completed', agentSessionId: sessionId });
    const log = await readFile(join(executionsDir, created.id, 'logs', 'think', 'events.jsonl'), 'utf8');
    expect(log).toContain('follow-up 1: Also check the README.');
    expect(log).toContain('follow-up 2: And the changelog.');

    await executor.resume(created.id);
    expect((await executor.execute(created.id, definition)).status).toBe('completed');
    expect(invocations()).toHaveLength(3);
    expect(await store.listComments(created.id)).toHaveLength(4);
  });
});

describe('a request for changes at a gate', () => {
  async function gatedRun() {
    const context = await setUp();
    const counter = join(context.dir, 'drafts.txt');
    const definition = await inlineDefinition(context.dir, 'draft', {
      name: 'Draft',
      phases: ['draft', { id: 'review', gate: 'manual' }],
      async execute(ctx) {
        await ctx.step('write', { phase: 'draft', agent: 'claude', prompt: 'Write the release notes.' });
        await ctx.step('count', { phase: 'draft', command: ['sh', '-c', 'echo draft >> "$0"', counter] });
        await ctx.step('publish', { phase: 'review', command: ['true'] });
      },
    });
    const created = await context.executor.start(definition, {});
    const waiting = await context.executor.execute(created.id, definition);
    expect(waiting).toMatchObject({ status: 'waiting', waitingGate: 'review' });
    return { ...context, definition, runId: created.id, counter };
  }

  it('re-runs the phase before the gate, its agent step continuing its session with the comment', async () => {
    const { store, executor, definition, runId, counter, invocations } = await gatedRun();
    const [before] = await store.getJournal(runId);
    const requested = await executor.requestChanges(runId, 'Shorter, please.', definition);
    expect(requested).toMatchObject({ phase: 'draft', stepIds: ['write'], run: { status: 'pending' } });

    const again = await executor.execute(runId, definition);
    expect(again).toMatchObject({ status: 'waiting', waitingGate: 'review' });
    const calls = invocations();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.argv[calls[1]!.argv.indexOf('--resume') + 1]).toBe(before!.agentSessionId);
    expect(calls[1]!.argv.at(-1)).toContain('Shorter, please.');
    expect(calls[1]!.argv.at(-1)).not.toContain('Write the release notes.');
    // The script step of the phase ran again, as in any re-run.
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toEqual(['draft', 'draft']);
    const history = await store.getJournal(runId, { includeInvalidated: true });
    const writes = history.filter((record) => record.stepId === 'write');
    expect(writes).toHaveLength(2);
    expect(writes.map((record) => record.invalidatedAt === null)).toEqual([false, true]);
    expect(writes[1]!.agentSessionId).toBe(before!.agentSessionId);
    expect((await executor.followUps.list(runId)).map((f) => [f.kind, f.state])).toEqual([['changes', 'delivered']]);

    await executor.advance(runId);
    expect((await executor.execute(runId, definition)).status).toBe('completed');
    expect(invocations()).toHaveLength(2);
  });

  it('is refused for a run at no gate, and for a gate with no phase before it', async () => {
    const { executor, definition, runId } = await gatedRun();
    await executor.advance(runId);
    await executor.execute(runId, definition);
    await expect(executor.requestChanges(runId, 'More.', definition)).rejects.toThrow(ChangesRefusedError);
    await expect(executor.requestChanges(runId, 'More.', definition)).rejects.toThrow(
      `changes cannot be requested of run ${runId}: it waits at no gate (it is completed)`,
    );

    const { dir, executor: other } = await setUp();
    const first = await inlineDefinition(dir, 'first-gate', {
      name: 'First gate',
      phases: [{ id: 'review', gate: 'manual' }],
      async execute(ctx) {
        await ctx.step('publish', { phase: 'review', command: ['true'] });
      },
    });
    const created = await other.start(first, {});
    expect((await other.execute(created.id, first)).status).toBe('waiting');
    await expect(other.requestChanges(created.id, 'More.', first)).rejects.toMatchObject({
      code: 'changes_refused',
      reason: 'its gate "review" has no phase before it to change',
    });
  });
});
