/**
 * Follow-ups to an agent step, with the real Codex CLI against a loopback fake of the Responses API: the message
 * continues the step's thread, its events go to the step's log, and the exchange is journaled as step comments.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentRunner } from '@switchyard/agent-cli-sdk';
import {
  codexOffline,
  fakeClaudePath,
  readFakeAgentLog,
  realCliInstalled,
  realCliPaths,
  startFakeOpenAiApi,
} from '@switchyard/agent-cli-sdk/testing';
import type { FakeOpenAiApi } from '@switchyard/agent-cli-sdk/testing';
import { FollowUpRefusedError } from '../../src/errors.ts';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { FollowUpOutcome } from '../../src/execution/followUp.ts';
import { inlineDefinition, recordingSink, tempDir, until } from '../helpers.ts';

/** The outcome of a follow-up to an ended turn: answered, never queued. */
function answered(outcome: FollowUpOutcome) {
  if (outcome.state !== 'answered') throw new Error(`the follow-up was ${outcome.state}, not answered`);
  return outcome;
}

describe.skipIf(!realCliInstalled('codex'))(
  'follow-ups to an agent step (the real Codex CLI)',
  { timeout: 120_000 },
  () => {
    let api: FakeOpenAiApi;
    let root: string;
    let agentEnv: Record<string, string>;

    beforeAll(async () => {
      api = await startFakeOpenAiApi();
      // Not tempDir(), which is emptied after each test: Codex without its config would not use the fake.
      root = mkdtempSync(join(tmpdir(), 'follow-up-'));
      const home = join(root, 'home');
      mkdirSync(home);
      agentEnv = { ...codexOffline(home, api.baseUrl), HOME: home };
    });

    afterAll(async () => {
      await api?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    async function finishedRun() {
      const dir = await tempDir();
      const store = createMemoryRunStore();
      const events = recordingSink();
      const executionsDir = join(dir, 'executions');
      const executor = createExecutor({
        store,
        events,
        executionsDir,
        workingDir: dir,
        agents: createAgentRunner({ paths: { codex: realCliPaths.codex }, inheritEnv: false, env: agentEnv }),
      });
      const definition = await inlineDefinition(dir, 'ask', {
        name: 'Ask',
        phases: ['work'],
        async execute(ctx) {
          await ctx.step('build', { phase: 'work', command: ['true'] });
          const answer = await ctx.step('answer', { phase: 'work', agent: 'codex', prompt: 'SCN_TEXT Say hello.' });
          return answer.data;
        },
      });
      const run = await executor.run(definition, {});
      expect(run.status).toBe('completed');
      const logFile = join(executionsDir, run.id, 'logs', 'answer', 'events.jsonl');
      return { executor, store, events, run, logFile };
    }

    it('continues the step’s thread, appends to its log and journals the exchange as step comments', async () => {
      const { executor, store, events, run, logFile } = await finishedRun();
      const [record] = (await store.getJournal(run.id)).filter((entry) => entry.stepId === 'answer');
      const before = api.requests.length;
      const logBefore = (await readFile(logFile, 'utf8')).trim().split('\n').length;

      const outcome = answered(await executor.followUp(run.id, 'answer', 'SCN_RESUME What did you say before?'));
      expect(outcome.result.sessionId).toBe(record!.agentSessionId);
      const [sent] = api.requests.slice(before);
      expect(api.requests.length - before).toBe(1);
      // The thread's earlier turns went with it: the first prompt and the first answer.
      expect(JSON.stringify(sent!.input)).toContain('SCN_TEXT Say hello.');
      expect(JSON.stringify(sent!.input)).toContain('Hello from the fake OpenAI Responses API.');
      expect(outcome.reply).toMatchObject({
        stepId: 'answer',
        type: 'agent',
        key: 'follow-up:answer:1:reply',
        text: `Resumed reply: I can see ${sent!.input.length} input items.`,
      });
      expect(outcome.message).toMatchObject({
        type: 'user',
        key: 'follow-up:answer:1',
        text: 'SCN_RESUME What did you say before?',
      });

      const lines = (await readFile(logFile, 'utf8')).trim().split('\n');
      const appended = lines.slice(logBefore).map((line) => JSON.parse(line) as { type: string; message?: string });
      expect(appended[0]).toMatchObject({ type: 'log', message: 'follow-up 1: SCN_RESUME What did you say before?' });
      expect(appended.filter((line) => line.type === 'agent').length).toBeGreaterThanOrEqual(3);
      expect(events.events.filter((event) => event.type === 'workflow.comment.created')).toHaveLength(2);

      // The step's journaled result — what the template got — is unchanged; the next follow-up is the second.
      const [after] = (await store.getJournal(run.id)).filter((entry) => entry.stepId === 'answer');
      expect(after!.result).toEqual(record!.result);
      const second = answered(await executor.followUp(run.id, 'answer', 'SCN_RESUME And now?'));
      expect(second.message.key).toBe('follow-up:answer:2');
      expect(second.result.sessionId).toBe(record!.agentSessionId);
      const comments = await store.listComments(run.id);
      expect(comments.map((comment) => comment.key)).toEqual([
        'follow-up:answer:1',
        'follow-up:answer:1:reply',
        'follow-up:answer:2',
        'follow-up:answer:2:reply',
      ]);
    });

    it('answers two follow-ups sent at once one after the other, each in the conversation of the one before', async () => {
      const { executor, run } = await finishedRun();
      const before = api.requests.length;
      const outcomes = await Promise.all([
        executor.followUp(run.id, 'answer', 'SCN_RESUME first question'),
        executor.followUp(run.id, 'answer', 'SCN_RESUME second question'),
      ]);
      const [first, second] = [answered(outcomes[0]!), answered(outcomes[1]!)];
      expect([first.message.key, second.message.key]).toEqual(['follow-up:answer:1', 'follow-up:answer:2']);
      const [sentFirst, sentSecond] = api.requests.slice(before);
      expect(JSON.stringify(sentFirst!.input)).not.toContain('second question');
      expect(JSON.stringify(sentSecond!.input)).toContain('first question');
      expect(second.reply.text).toBe(`Resumed reply: I can see ${sentSecond!.input.length} input items.`);
    });

    it('refuses a step that is not an agent step, or that the run does not have, without calling an agent', async () => {
      const { executor, run } = await finishedRun();
      const before = api.requests.length;
      await expect(executor.followUp(run.id, 'build', 'hello')).rejects.toThrow(FollowUpRefusedError);
      await expect(executor.followUp(run.id, 'build', 'hello')).rejects.toThrow(
        `a follow-up to step "build" of run ${run.id} cannot be sent: it is a script step, not an agent step`,
      );
      await expect(executor.followUp(run.id, 'nope', 'hello')).rejects.toMatchObject({
        code: 'follow_up_refused',
        reason: 'the run has no such step',
      });
      expect(api.requests.length).toBe(before);
    });
  },
);

describe('a follow-up to an agent step stopped by a pause', () => {
  it('continues its session now, and the run stays paused with the step to resume', async () => {
    const dir = await tempDir();
    const store = createMemoryRunStore();
    const argvLog = join(dir, 'argv.jsonl');
    const executor = createExecutor({
      store,
      executionsDir: join(dir, 'executions'),
      workingDir: dir,
      controlPollMs: 20,
      agents: createAgentRunner({ paths: { claude: fakeClaudePath }, env: { FAKE_AGENT_ARGV_LOG: argvLog } }),
    });
    const definition = await inlineDefinition(dir, 'stalls', {
      name: 'Stalls',
      phases: ['work'],
      async execute(ctx) {
        // The fake prints its session and then nothing: the step is mid-turn until it is paused.
        await ctx.step('think', {
          phase: 'work',
          agent: 'claude',
          prompt: 'Think.',
          env: { FAKE_AGENT_SCENARIO: 'stall' },
        });
      },
    });
    const created = await executor.start(definition, {});
    const running = executor.execute(created.id, definition);
    const session = async () => (await store.getJournal(created.id))[0]?.agentSessionId ?? null;
    await until(async () => (await session()) !== null, 'the session to be journaled');
    await executor.pause(created.id, { now: true });
    expect((await running).status).toBe('paused');
    expect((await store.getJournal(created.id))[0]!.status).toBe('pending');

    // The step's own env (the stalling scenario) is not journaled, so the follow-up's CLI answers normally.
    const outcome = answered(await executor.followUp(created.id, 'think', 'Are you stuck?'));
    expect(outcome.result).toMatchObject({ isError: false, sessionId: await session() });
    const [, followUp] = readFakeAgentLog(argvLog);
    expect(followUp!.argv[followUp!.argv.indexOf('--resume') + 1]).toBe(await session());
    expect(followUp!.argv.at(-1)).toBe('Are you stuck?');
    expect((await store.getRun(created.id))!.status).toBe('paused');
    expect((await store.getJournal(created.id))[0]).toMatchObject({
      status: 'pending',
      agentSessionId: await session(),
    });
  });
});
