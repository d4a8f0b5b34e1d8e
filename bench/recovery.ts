/**
 * `recovery.ms`: `switchyard serve` is killed with SIGKILL in the middle of a 10-step run (during its fifth step)
 * and started again at once; the figure is from the new process's spawn to the interrupted step running again.
 * `ready_ms` is the part until the new server listens. On the embedded database the new server drops the dead
 * one's lease at start; on PostgreSQL a lease of another process is waited out, so there the figure includes
 * the lease time (`lease_ttl_ms`, shortened here). `steps_rerun` counts the steps that ran twice other than the
 * interrupted one: it must be 0. Each figure is the median of a few trials.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServerProcess } from '../apps/web/test/switchyardProcesses.ts';
import type { ServerProcess } from '../apps/web/test/switchyardProcesses.ts';
import { postgresSkipped, withFreshPostgres } from './freshDatabase.ts';
import { api, benchProject, projectAndTemplate, until } from './switchyardServer.ts';
import { round } from './stats.ts';

const TRIALS = 3;
const STEPS = 10;
const STEP_MS = 300;
const KILLED_IN_STEP = 5;
const POSTGRES_LEASE_TTL_MS = 3_000;

const TEMPLATE = `import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineWorkflow } from '@switchyard/workflow-engine';
import { z } from 'zod';

export default defineWorkflow({
  name: 'Ten steps',
  phases: ['work'],
  args: z.object({ ledger: z.string() }),
  async execute(ctx, args) {
    for (let i = 1; i <= ${STEPS}; i++) {
      await ctx.step(\`s\${i}\`, {
        phase: 'work',
        run: async () => {
          appendFileSync(args.ledger, \`s\${i}\\n\`);
          await sleep(${STEP_MS});
        },
      });
    }
  },
});
`;

interface Trial {
  ms: number;
  ready_ms: number;
  steps_rerun: number;
}

const ledgerLines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean);

async function trial(env: Record<string, string>): Promise<Trial> {
  const project = await benchProject({ 'ten-steps.ts': TEMPLATE });
  const servers: ServerProcess[] = [];
  try {
    const ledger = join(project.dir, 'ledger.txt');
    await writeFile(ledger, '');
    const first = await startServerProcess(project.dir, env);
    servers.push(first);
    const { definitionId } = await projectAndTemplate(first.url, 'ten-steps');
    const run = await api<{ id: string }>(first.url, 'POST', '/api/workflow-executions', {
      workflow_definition_id: definitionId,
      args: { ledger },
    });
    await until(async () => (await ledgerLines(ledger)).length >= KILLED_IN_STEP, 'the fifth step', 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const interrupted = (await ledgerLines(ledger)).at(-1)!;

    const restarted = performance.now();
    const second = await startServerProcess(project.dir, env);
    servers.push(second);
    const ready = performance.now() - restarted;
    await until(
      async () => (await ledgerLines(ledger)).filter((line) => line === interrupted).length === 2,
      'the interrupted step to run again',
      60_000,
    );
    const resumed = performance.now() - restarted;
    await until(
      async () =>
        (await api<{ status: string }>(second.url, 'GET', `/api/workflow-executions/${run.id}`)).status === 'completed',
      'the run to complete',
      60_000,
    );
    const lines = await ledgerLines(ledger);
    const rerun = new Set(lines.filter((line, i) => line !== interrupted && lines.indexOf(line) !== i));
    return { ms: round(resumed), ready_ms: round(ready), steps_rerun: rerun.size };
  } finally {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await Promise.all(servers.map((server) => server.exited));
    await project.remove();
  }
}

function summary(trials: Trial[]) {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    ms: median(trials.map((t) => t.ms)),
    ready_ms: median(trials.map((t) => t.ready_ms)),
    steps_rerun: Math.max(...trials.map((t) => t.steps_rerun)),
    trials,
  };
}

export async function benchRecovery(log: (line: string) => void) {
  const pglite: Trial[] = [];
  for (let i = 1; i <= TRIALS; i++) {
    log(`recovery: PGlite, trial ${i}/${TRIALS}`);
    pglite.push(await trial({}));
  }
  const skipped = await postgresSkipped();
  const postgres: Trial[] = [];
  for (let i = 1; !skipped && i <= TRIALS; i++) {
    log(`recovery: PostgreSQL, trial ${i}/${TRIALS}`);
    postgres.push(
      await withFreshPostgres((url) =>
        trial({ DATABASE_URL: url, SWITCHYARD_LEASE_TTL_MS: String(POSTGRES_LEASE_TTL_MS) }),
      ),
    );
  }
  return {
    'recovery.ms': {
      run: `${STEPS} function steps of ${STEP_MS} ms; the server killed during step ${KILLED_IN_STEP}`,
      pglite: summary(pglite),
      postgres: skipped ?? { ...summary(postgres), lease_ttl_ms: POSTGRES_LEASE_TTL_MS },
    },
  };
}
