/**
 * Golden journals: journals recorded from real runs, checked in under `test/fixtures/journals/`, and replayed
 * against their templates. A replay runs no side effect again — no script spawned, no agent run, no function
 * step's `run` called — and reaches the recorded output; a template edited since the journal was written (a step
 * renamed, or given another type) fails with a determinism error naming the step.
 *
 * The fixtures are recorded, not written by hand. After a change to what a journal holds, record them again:
 *
 *   RECORD_GOLDEN=1 npx vitest run packages/workflow-engine/test/execution/goldenJournal.test.ts
 *
 * which drives each scenario below for real (scripts spawned, a fake agent answering) and rewrites its fixture
 * before the replays run against it.
 */
import type * as ChildProcess from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import type { WorkflowExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { parseYamlTemplate } from '../../src/parser/YamlParser.ts';
import type { AgentResult, AgentRunner } from '../../src/ports.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { RunState } from '../../src/storage/runState.ts';
import type { WorkflowContext } from '../../src/types/context.ts';
import type { StepInput } from '../../src/types/step.ts';
import type { StepType } from '../../src/types/status.ts';
import type * as StepLauncher from '../../src/execution/stepLauncher.ts';
import type { WorkflowDefinition } from '../../src/types/workflow.ts';
import { inlineDefinition, recordingSink, tempDir } from '../helpers.ts';

/**
 * Every process a test starts goes through `spawn`, or for a script step the step launcher: a replay must start
 * none. The step watchdog, which the first step that really runs starts once per process (stepProcesses.ts), is not
 * a step's process.
 */
const spawned = vi.hoisted(() => [] as string[]);
vi.mock('../../src/execution/stepLauncher.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof StepLauncher>();
  const launchStepProcess: typeof actual.launchStepProcess = (request) => {
    spawned.push(request.file);
    return actual.launchStepProcess(request);
  };
  return { ...actual, launchStepProcess };
});
vi.mock('node:child_process', async (importOriginal) => {
  const actual = await importOriginal<typeof ChildProcess>();
  const spawn = ((...args: Parameters<typeof actual.spawn>) => {
    const watchdog = Array.isArray(args[1]) && String(args[1][0]).endsWith('stepWatchdog.mjs');
    if (!watchdog) spawned.push(String(args[0]));
    return actual.spawn(...args);
  }) as typeof actual.spawn;
  return { ...actual, spawn, default: { ...actual, spawn } };
});

/** The function steps and agent runs the templates below made. */
const ran = { functions: [] as string[], agents: [] as string[] };

/** A template edited after its journal was recorded. */
type Edit = { kind: 'rename'; step: string; to: string } | { kind: 'retype'; step: string; to: StepType };

interface GoldenCase {
  fixture: string;
  runId: string;
  args: Record<string, unknown>;
  /** The template, with `edit` applied. */
  template(edit?: Edit): Promise<WorkflowDefinition>;
  /** Drives a real run of the template to its end: what the fixture records. */
  record(executor: WorkflowExecutor, definition: WorkflowDefinition, runId: string): Promise<void>;
  renamed: { step: string; to: string };
  retyped: { step: string; to: StepType };
}

const fixturePath = (fixture: string) =>
  fileURLToPath(new URL(`../fixtures/journals/${fixture}.json`, import.meta.url));

// ── the templates ───────────────────────────────────────────────────────────────────────────────────────────────

const SIMPLE_PIPELINE = fileURLToPath(
  new URL('../../../../.agent/workflows/definitions/simple-pipeline.yaml', import.meta.url),
);

/** The example YAML pipeline, of script steps; its edits are edits of its text. */
async function simplePipeline(edit?: Edit): Promise<WorkflowDefinition> {
  let text = await readFile(SIMPLE_PIPELINE, 'utf8');
  const original = text;
  if (edit?.kind === 'rename') text = text.replaceAll(edit.step, edit.to);
  if (edit?.kind === 'retype') {
    text = text.replace(
      `- id: ${edit.step}\n    name: Unit tests\n    phase: test\n    type: script\n    command: ['node', '-e', "console.log('12 tests passed')"]`,
      `- id: ${edit.step}\n    name: Unit tests\n    phase: test\n    type: ${edit.to}\n    prompt: Run the unit tests`,
    );
  }
  if (edit) expect(text).not.toBe(original);
  return parseYamlTemplate(text, SIMPLE_PIPELINE);
}

/** `ctx` as an edited template would use it: the edited step is called by another id, or as another type. */
function edited(ctx: WorkflowContext, edit: Edit | undefined): WorkflowContext {
  if (!edit) return ctx;
  const id = (stepId: string) => (edit.kind === 'rename' && stepId === edit.step ? edit.to : stepId);
  const retyped = (stepId: string, spec: StepInput): StepInput => {
    if (edit.kind !== 'retype' || stepId !== edit.step) return spec;
    const { phase, name } = spec;
    if (edit.to === 'agent') return { type: 'agent', agent: 'claude', prompt: `do ${stepId}`, phase, name };
    if (edit.to === 'script') return { type: 'script', command: ['true'], phase, name };
    return { type: 'function', run: () => ran.functions.push(stepId), phase, name };
  };
  return new Proxy(ctx, {
    get(target, key) {
      if (key === 'step') return (stepId: string, spec: StepInput) => target.step(id(stepId), retyped(stepId, spec));
      if (key === 'skip') {
        return (stepId: string, spec: Parameters<WorkflowContext['skip']>[1]) =>
          target.skip(id(stepId), edit.kind === 'retype' && stepId === edit.step ? { ...spec, type: edit.to } : spec);
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Agent steps around a function step, a skip that names its type and one that does not. */
async function agentSteps(edit?: Edit): Promise<WorkflowDefinition> {
  return inlineDefinition(await tempDir(), 'agent-steps', {
    name: 'Agent steps',
    phases: ['research', 'implement', 'test'],
    args: z.object({ feature: z.string(), skipTests: z.boolean() }),
    async execute(plain, args) {
      const ctx = edited(plain, edit);
      const research = await ctx.step<AgentResult>('research', {
        phase: 'research',
        agent: 'claude',
        prompt: `Find where ${args.feature} belongs`,
      });
      const plan = await ctx.step<string[]>('plan', {
        phase: 'research',
        run: () => (ran.functions.push('plan'), research.data.text.split('; ')),
      });
      const implement = await ctx.step<AgentResult>('implement', {
        phase: 'implement',
        agent: 'codex',
        prompt: `Change ${plan.data.join(' and ')}`,
      });
      const tests = args.skipTests
        ? await ctx.skip('run-tests', { phase: 'test', type: 'script', reason: 'skipTests was set' })
        : await ctx.step('run-tests', { phase: 'test', command: ['npm', 'test'] });
      const notify = await ctx.skip('notify', { phase: 'test', reason: 'no channel configured' });
      return { plan: plan.data, implemented: implement.data.text, tests: tests.status, notify: notify.status };
    },
  });
}

/** A gated review phase between building and shipping, approved while the run waited. */
async function manualGate(edit?: Edit): Promise<WorkflowDefinition> {
  return inlineDefinition(await tempDir(), 'manual-gate', {
    name: 'Manual gate',
    phases: ['build', { id: 'review', gate: 'manual' }, 'ship'],
    args: z.object({ version: z.string() }),
    async execute(plain, args) {
      const ctx = edited(plain, edit);
      const build = await ctx.step<string>('build', {
        phase: 'build',
        run: () => (ran.functions.push('build'), `app-${args.version}.tgz`),
      });
      const checklist = await ctx.step<string[]>('checklist', {
        phase: 'review',
        run: () => (ran.functions.push('checklist'), ['changelog', 'docs']),
      });
      const ship = await ctx.step<string>('ship', {
        phase: 'ship',
        run: () => (ran.functions.push('ship'), `shipped ${build.data} after ${checklist.data.join(', ')}`),
      });
      return ship.data;
    },
  });
}

/** Three phases, the last two re-run once: their first records stay in the journal as history. */
async function rerunHistory(edit?: Edit): Promise<WorkflowDefinition> {
  const runs = new Map<string, number>();
  const attempt = (id: string) => {
    ran.functions.push(id);
    runs.set(id, (runs.get(id) ?? 0) + 1);
    return runs.get(id);
  };
  return inlineDefinition(await tempDir(), 'rerun-history', {
    name: 'Re-run history',
    phases: ['plan', 'build', 'test'],
    async execute(plain) {
      const ctx = edited(plain, edit);
      const plan = await ctx.step('plan', { phase: 'plan', run: () => `plan, run ${attempt('plan')}` });
      const build = await ctx.step('build', { phase: 'build', run: () => `build, run ${attempt('build')}` });
      const test = await ctx.step('test', { phase: 'test', run: () => `test, run ${attempt('test')}` });
      return [plan.data, build.data, test.data];
    },
  });
}

const CASES: GoldenCase[] = [
  {
    fixture: 'simple-pipeline.completed',
    runId: '6a1e1c3e-0000-4000-8000-000000000001',
    args: { environment: 'production', version: '1.0.0' },
    template: simplePipeline,
    record: async (executor, definition, runId) => void (await executor.execute(runId, definition)),
    renamed: { step: 'unit-tests', to: 'tests' },
    retyped: { step: 'unit-tests', to: 'agent' },
  },
  {
    fixture: 'agent-steps.completed',
    runId: '6a1e1c3e-0000-4000-8000-000000000002',
    args: { feature: 'a --verbose flag', skipTests: true },
    template: agentSteps,
    record: async (executor, definition, runId) => void (await executor.execute(runId, definition)),
    renamed: { step: 'implement', to: 'build' },
    retyped: { step: 'research', to: 'script' },
  },
  {
    fixture: 'manual-gate.approved',
    runId: '6a1e1c3e-0000-4000-8000-000000000003',
    args: { version: '2.1.0' },
    template: manualGate,
    async record(executor, definition, runId) {
      expect(await executor.execute(runId, definition)).toMatchObject({ status: 'waiting', waitingGate: 'review' });
      await executor.advance(runId);
      await executor.execute(runId, definition);
    },
    renamed: { step: 'ship', to: 'release' },
    retyped: { step: 'checklist', to: 'agent' },
  },
  {
    fixture: 'rerun.history',
    runId: '6a1e1c3e-0000-4000-8000-000000000004',
    args: {},
    template: rerunHistory,
    async record(executor, definition, runId) {
      await executor.execute(runId, definition);
      await executor.rerun(runId, 'build', definition);
      await executor.execute(runId, definition);
    },
    renamed: { step: 'test', to: 'verify' },
    retyped: { step: 'build', to: 'script' },
  },
];

// ── recording ───────────────────────────────────────────────────────────────────────────────────────────────────

/** Answers as an agent CLI would, the same way every time. */
const recordingAgent: AgentRunner = {
  async run(request, hooks) {
    const sessionId = `${request.agent}-session-1`;
    await hooks.onSessionStarted(sessionId);
    const text = request.agent === 'claude' ? 'src/cli.ts; src/flags.ts' : 'changed src/cli.ts and src/flags.ts';
    hooks.onEvent({ type: 'message.text', text });
    return {
      text,
      sessionId,
      usage: { input: 1200, output: 340, cacheRead: 0, cacheWrite: 0 },
      costUsd: 0.0125,
      numTurns: 3,
      durationMs: 4200,
      isError: false,
    };
  },
};

async function record(golden: GoldenCase): Promise<void> {
  const store = createMemoryRunStore();
  const executor = createExecutor({ store, agents: recordingAgent, workingDir: await tempDir(), controlPollMs: 20 });
  const definition = await golden.template();
  await executor.start(definition, golden.args, { runId: golden.runId });
  await golden.record(executor, definition, golden.runId);
  const run = await store.getRun(golden.runId);
  expect(run?.status).toBe('completed');
  const state: RunState = {
    run: run!,
    journal: await store.getJournal(golden.runId, { includeInvalidated: true }),
    comments: await store.listComments(golden.runId),
  };
  const path = fixturePath(golden.fixture);
  const prettier = await import('prettier');
  const options = await prettier.resolveConfig(path);
  await writeFile(path, await prettier.format(JSON.stringify(state, null, 2), { ...options, filepath: path }));
}

if (process.env.RECORD_GOLDEN === '1') {
  beforeAll(async () => {
    for (const golden of CASES) await record(golden);
  });
}

// ── replaying ───────────────────────────────────────────────────────────────────────────────────────────────────

async function readFixture(golden: GoldenCase): Promise<RunState> {
  return JSON.parse(await readFile(fixturePath(golden.fixture), 'utf8')) as RunState;
}

/** Refuses to run: a replay must never reach an agent. */
const replayAgent: AgentRunner = {
  async run(request) {
    ran.agents.push(request.prompt);
    throw new Error(`an agent ran during a replay: ${request.prompt}`);
  },
};

/** Replays the recorded run, as a worker would find it if the process died just before marking it completed. */
async function replay(golden: GoldenCase, edit?: Edit) {
  const recorded = await readFixture(golden);
  const state = structuredClone(recorded);
  state.run.status = 'running';
  state.run.output = null;
  const store = createMemoryRunStore();
  store.importRun(state);
  const events = recordingSink();
  const executor = createExecutor({ store, events, agents: replayAgent, workingDir: await tempDir() });
  const run = await executor.execute(golden.runId, await golden.template(edit));
  const journal = await store.getJournal(golden.runId, { includeInvalidated: true });
  return { run, events, journal, recorded };
}

const CAUSE = 'the template changed, or code between steps depends on something other than args and step results';
const aStep = (type: StepType) => `${type === 'agent' ? 'an' : 'a'} ${type} step`;

beforeEach(() => {
  spawned.length = 0;
  ran.functions.length = 0;
  ran.agents.length = 0;
});

describe.each(CASES)('golden journal $fixture', (golden) => {
  it('replays to the recorded output without a side effect, and writes nothing to the journal', async () => {
    const { run, events, journal, recorded } = await replay(golden);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual(recorded.run.output);
    expect(spawned).toEqual([]);
    expect(ran).toEqual({ functions: [], agents: [] });
    expect(events.events.filter((e) => e.type.startsWith('workflow.step.'))).toEqual([]);
    expect(journal).toEqual(recorded.journal);
  });

  it('fails with a determinism error naming both steps when a step was renamed since', async () => {
    const { step, to } = golden.renamed;
    const { run, events, journal, recorded } = await replay(golden, { kind: 'rename', ...golden.renamed });
    const position = recorded.journal.find((r) => r.stepId === step && r.invalidatedAt === null)!.index;
    expect(run.status).toBe('failed');
    expect(run.error).toBe(
      `replay asked for step "${to}" at position ${position}, but the journal recorded step "${step}" there; ${CAUSE}`,
    );
    expect(events.events.filter((e) => e.type === 'workflow.step.started')).toEqual([]);
    expect(spawned).toEqual([]);
    expect(ran).toEqual({ functions: [], agents: [] });
    expect(journal).toEqual(recorded.journal);
  });

  it('fails with a determinism error naming the step and both types when a step changed type since', async () => {
    const { step, to } = golden.retyped;
    const { run, events, journal, recorded } = await replay(golden, { kind: 'retype', ...golden.retyped });
    const record = recorded.journal.find((r) => r.stepId === step && r.invalidatedAt === null)!;
    expect(run.status).toBe('failed');
    expect(run.error).toBe(
      `replay asked for step "${step}" at position ${record.index} as ${aStep(to)}, ` +
        `but the journal recorded step "${step}" there as ${aStep(record.type)}; ${CAUSE}`,
    );
    expect(events.events.filter((e) => e.type === 'workflow.step.started')).toEqual([]);
    expect(spawned).toEqual([]);
    expect(ran).toEqual({ functions: [], agents: [] });
    expect(journal).toEqual(recorded.journal);
  });
});

describe('the side effects a replay is watched for', () => {
  it('are seen when a run really executes: a script spawns, an agent runs, a function step is called', async () => {
    const store = createMemoryRunStore();
    const executor = createExecutor({ store, agents: replayAgent, workingDir: await tempDir() });
    const definition = await inlineDefinition(await tempDir(), 'watched', {
      name: 'Watched',
      phases: ['a'],
      async execute(ctx) {
        await ctx.step('script', { phase: 'a', command: ['node', '-e', ''] });
        await ctx.step('function', { phase: 'a', run: () => ran.functions.push('function') });
        await ctx.step('agent', { phase: 'a', agent: 'claude', prompt: 'Say hi' });
      },
    });
    expect(await executor.run(definition, {})).toMatchObject({ status: 'failed' });
    expect(spawned).toEqual(['node']);
    expect(ran).toEqual({ functions: ['function'], agents: ['Say hi'] });
  });
});

describe('what the golden journals hold', () => {
  it('covers agent, script and function steps, typed and untyped skips, an approved gate and re-run history', async () => {
    const [pipeline, agents, gate, rerun] = await Promise.all(CASES.map(readFixture));
    const summary = (state: RunState) =>
      state.journal.map((r) => [r.stepId, r.type, r.status, r.invalidatedAt !== null]);
    expect(summary(pipeline!)).toEqual([
      ['build', 'script', 'completed', false],
      ['unit-tests', 'script', 'completed', false],
      ['deploy', 'script', 'completed', false],
    ]);
    expect(summary(agents!)).toEqual([
      ['research', 'agent', 'completed', false],
      ['plan', 'function', 'completed', false],
      ['implement', 'agent', 'completed', false],
      ['run-tests', 'script', 'skipped', false],
      ['notify', 'function', 'skipped', false],
    ]);
    expect(agents!.journal.map((r) => r.agentSessionId)).toEqual([
      'claude-session-1',
      null,
      'codex-session-1',
      null,
      null,
    ]);
    expect(gate!.run).toMatchObject({
      approvedGates: ['review'],
      output: 'shipped app-2.1.0.tgz after changelog, docs',
    });
    expect(summary(rerun!)).toEqual([
      ['plan', 'function', 'completed', false],
      ['build', 'function', 'completed', true],
      ['test', 'function', 'completed', true],
      ['build', 'function', 'completed', false],
      ['test', 'function', 'completed', false],
    ]);
    expect(rerun!.run.output).toEqual(['plan, run 1', 'build, run 2', 'test, run 2']);
  });
});
