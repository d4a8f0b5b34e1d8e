/**
 * The fault suite: a mixed workload — script, function and fake-agent steps, comments and uploads arriving over
 * HTTP — while the process executing the runs is killed with SIGKILL at seeded random points and started again.
 * What must hold afterwards:
 *
 * - every comment and artifact the API acknowledged (2xx) is there, each artifact with its sha256;
 * - no completed step ran again: no step's side effect started after the step's committed finish;
 * - no step process outlived the process that started it;
 * - every run ends terminal (here: completed) or waiting visibly.
 *
 * On PGlite the victim is `switchyard serve` itself; on PostgreSQL it is a `switchyard worker`, with a
 * `serve --no-workers` taking the HTTP traffic throughout.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fakeClaudePath } from '@switchyard/agent-cli-sdk/testing';
import type { RunJson, TestServer } from '../server/serverHarness.ts';
import { BIN, projectWith, startServerProcess } from '../server/serverProcess.ts';
import type { ServerProcess } from '../server/serverProcess.ts';

/** Three phases of script, function and agent steps; each step's side effect is a line in the ledger. */
const MIXED_TEMPLATE = `import { appendFileSync } from 'node:fs';
import { z } from 'zod';
import { defineWorkflow } from '@switchyard/workflow-engine';

export default defineWorkflow({
  name: 'Mixed',
  phases: ['build', 'check', 'ship'],
  args: z.object({ ledger: z.string(), pause: z.number() }),
  async execute(ctx, { ledger, pause }) {
    const script = (id: string, phase: string) =>
      ctx.step(id, {
        phase,
        command: \`echo "start $(date +%s%3N) \${ctx.runId} \${id}" >> '\${ledger}'; sleep \${pause}; echo "done $(date +%s%3N) \${ctx.runId} \${id}" >> '\${ledger}'\`,
      });
    const mark = (id: string, what: string) => appendFileSync(ledger, \`\${what} \${Date.now()} \${ctx.runId} \${id}\\n\`);
    await script('compile', 'build');
    await ctx.step('count', {
      phase: 'build',
      run: async () => {
        mark('count', 'start');
        await new Promise((resolve) => setTimeout(resolve, pause * 1000));
        mark('count', 'done');
        return 42;
      },
    });
    await ctx.step('review', { phase: 'check', agent: 'claude', prompt: \`fault \${ctx.runId} review\` });
    await script('package', 'ship');
  },
});
`;

const STEP_IDS = ['compile', 'count', 'review', 'package'];

export interface FaultOptions {
  database: 'pglite' | { url: string };
  kills: number;
  seed: number;
  log?: (line: string) => void;
}

export interface FaultReport {
  kills: number;
  runs: number;
  comments: number;
  artifacts: number;
  stepStarts: number;
  /** Broken promises, each in words; empty when every promise held. */
  violations: string[];
}

/** mulberry32: a small seeded generator, so that a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Pids of live step processes whose tag names `ownerPid` as their owner. */
async function stepProcessesOf(ownerPid: number): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const environ = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    const tag = environ.split('\0').find((entry) => entry.startsWith('SWITCHYARD_STEP_TAG='));
    if (!tag?.startsWith(`SWITCHYARD_STEP_TAG=${ownerPid}.`)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (stat && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(Number(name));
  }
  return found;
}

interface Worker {
  child: ChildProcess;
  exited: Promise<number | null>;
}

function startWorker(env: Record<string, string>): Promise<Worker> {
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('executing runs from')) resolve({ child, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`worker exited with ${code} before it was ready:\n${output}`)));
  });
}

/** Runs the workload under `options.kills` kills and checks every promise; the report says what was exercised. */
export async function runFaultSuite(options: FaultOptions): Promise<FaultReport> {
  const next = random(options.seed);
  const log = options.log ?? (() => undefined);
  const projectDir = await projectWith({ 'mixed.ts': MIXED_TEMPLATE });
  const ledger = join(projectDir, 'ledger');
  const agentLog = join(projectDir, 'agent-invocations.jsonl');
  const env: Record<string, string> = {
    SWITCHYARD_CLAUDE_PATH: fakeClaudePath,
    FAKE_AGENT_ARGV_LOG: agentLog,
    FAKE_AGENT_DELAY_MS: '40',
    SWITCHYARD_STEP_ENV: 'FAKE_AGENT_*',
    SWITCHYARD_LEASE_TTL_MS: '2000',
    SWITCHYARD_SHUTDOWN_GRACE_MS: '0',
    ...(typeof options.database === 'object' ? { DATABASE_URL: options.database.url } : {}),
  };
  const onPostgres = typeof options.database === 'object';

  // The HTTP side: on PGlite the victim itself; on PostgreSQL a server without workers that is never killed.
  let server: ServerProcess = await startServerProcess(projectDir, {
    env,
    args: onPostgres ? ['--no-workers'] : [],
  });
  let api: TestServer = server.api;
  let worker: Worker | undefined = onPostgres ? await startWorker(env) : undefined;
  const definitionId = await api.definitionId('mixed');

  const runIds: string[] = [];
  const comments: { runId: string; id: string; text: string }[] = [];
  const artifacts: { id: string; sha256: string }[] = [];
  const violations: string[] = [];
  let traffic = 0;

  /** Comments and uploads, as fast as they are answered, until `stop` resolves. */
  async function clientTraffic(target: TestServer, stop: Promise<void>): Promise<void> {
    let stopped = false;
    void stop.then(() => (stopped = true));
    while (!stopped && runIds.length > 0) {
      const runId = runIds[Math.floor(next() * runIds.length)]!;
      const n = traffic++;
      try {
        if (n % 2 === 0) {
          const text = `comment ${n} on ${runId}`;
          const answer = await target.api<{ id: string }>('POST', `/api/workflow-executions/${runId}/comments`, {
            text,
          });
          if (answer.status === 201) comments.push({ runId, id: answer.body.id, text });
        } else {
          const run = (await target.api<RunJson>('GET', `/api/workflow-executions/${runId}`)).body;
          const step = run.steps?.[0];
          if (!step) continue;
          const bytes = randomBytes(1024 + Math.floor(next() * 16 * 1024));
          const form = new FormData();
          form.append('workflow_run_step_id', step.id);
          form.append('file', new Blob([bytes]), `upload-${n}.bin`);
          const response = await fetch(`${target.url}/api/workflow-executions/${runId}/artifacts`, {
            method: 'POST',
            body: form,
          });
          const body = (await response.json()) as { id: string; sha256: string };
          if (response.status === 201) {
            if (body.sha256 !== sha256(bytes)) violations.push(`artifact ${body.id} acknowledged with a wrong sha256`);
            artifacts.push({ id: body.id, sha256: sha256(bytes) });
          }
        }
      } catch {
        // In flight when the process died: not acknowledged, so nothing is owed.
        await sleep(20);
      }
    }
  }

  async function startRun(): Promise<void> {
    const created = await api.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: definitionId,
      args: { ledger, pause: Math.round(next() * 10) / 10 },
    });
    if (created.status !== 201) throw new Error(`could not start a run: ${JSON.stringify(created.body)}`);
    runIds.push(created.body.id);
  }

  for (let kill = 1; kill <= options.kills; kill++) {
    for (let i = 0; i < 1 + Math.floor(next() * 2); i++) await startRun();
    let stopTraffic!: () => void;
    const traffic = clientTraffic(api, new Promise<void>((resolve) => (stopTraffic = resolve)));
    await sleep(200 + Math.floor(next() * 2_300));
    const victim = worker ? worker.child : server.child;
    const victimPid = victim.pid!;
    victim.kill('SIGKILL');
    await (worker ? worker.exited : server.exited);
    if (!worker) stopTraffic();
    // The watchdog's work: nothing the dead process started may go on running.
    const deadline = Date.now() + 15_000;
    let left = await stepProcessesOf(victimPid);
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(50);
      left = await stepProcessesOf(victimPid);
    }
    if (left.length > 0)
      violations.push(`kill ${kill}: step processes ${left.join(', ')} outlived their owner ${victimPid}`);
    if (worker) {
      worker = await startWorker(env);
      stopTraffic();
    } else {
      server = await startServerProcess(projectDir, { env });
      api = server.api;
    }
    await traffic;
    log(
      `kill ${kill}/${options.kills}: ${runIds.length} runs, ${comments.length} comments, ${artifacts.length} artifacts`,
    );
  }

  // Every run reaches its end on the last process standing.
  const finished: RunJson[] = [];
  for (const runId of runIds) {
    finished.push(
      await api.waitForRun(
        runId,
        (run) => ['completed', 'failed', 'cancelled', 'waiting', 'paused'].includes(run.status),
        120_000,
      ),
    );
  }
  for (const run of finished)
    if (run.status !== 'completed') violations.push(`run ${run.id} ended ${run.status}: ${run.error}`);

  // No completed step started again after its committed finish.
  const starts = new Map<string, number[]>();
  const dones = new Map<string, number>();
  for (const line of (await readFile(ledger, 'utf8')).split('\n').filter(Boolean)) {
    const [what, at, runId, stepId] = line.split(' ');
    const key = `${runId}/${stepId}`;
    if (what === 'start') starts.set(key, [...(starts.get(key) ?? []), Number(at)]);
    else dones.set(key, (dones.get(key) ?? 0) + 1);
  }
  for (const invocation of (await readFile(agentLog, 'utf8')).split('\n').filter(Boolean)) {
    const { argv, at } = JSON.parse(invocation) as { argv: string[]; at: number };
    const prompt = /fault (\S+) (\S+)/.exec(argv.at(-1) ?? '');
    if (!prompt) continue;
    const key = `${prompt[1]}/${prompt[2]}`;
    starts.set(key, [...(starts.get(key) ?? []), at]);
    dones.set(key, (dones.get(key) ?? 0) + 1);
  }
  let stepStarts = 0;
  for (const run of finished) {
    for (const stepId of STEP_IDS) {
      const key = `${run.id}/${stepId}`;
      const record = run.steps.find((step) => step.step_id === stepId && step.status === 'completed') as
        (RunJson['steps'][number] & { output: { finishedAt: string } | null }) | undefined;
      const started = starts.get(key) ?? [];
      stepStarts += started.length;
      if (!record?.output) {
        violations.push(`step ${key} has no completed journal record`);
        continue;
      }
      const finishedAt = Date.parse(record.output.finishedAt);
      const late = started.filter((at) => at > finishedAt);
      if (late.length > 0)
        violations.push(`step ${key} started again after it completed at ${record.output.finishedAt}`);
      if (!dones.get(key)) violations.push(`step ${key} is completed but its side effect never finished`);
    }
  }

  // Every acknowledged comment and artifact is there.
  for (const { runId, id, text } of comments) {
    const listed = await api.api<{ data: { id: string; text: string }[] }>(
      'GET',
      `/api/workflow-executions/${runId}/comments`,
    );
    if (!listed.body.data.some((row) => row.id === id && row.text === text))
      violations.push(`acknowledged comment ${id} is missing`);
  }
  for (const { id, sha256: expected } of artifacts) {
    const response = await fetch(`${api.url}/api/artifacts/${id}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (response.status !== 200 || sha256(bytes) !== expected)
      violations.push(`acknowledged artifact ${id} is missing or changed`);
  }

  server.child.kill('SIGTERM');
  await server.exited;
  if (worker) {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
  const report = {
    kills: options.kills,
    runs: runIds.length,
    comments: comments.length,
    artifacts: artifacts.length,
    stepStarts,
    violations,
  };
  log(
    `fault suite (${onPostgres ? 'postgres, worker killed' : 'pglite, server killed'}, seed ${options.seed}): ${JSON.stringify(report)}`,
  );
  await rm(projectDir, { recursive: true, force: true });
  return report;
}
