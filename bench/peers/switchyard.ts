/**
 * `tsx bench/peers/switchyard.ts <postgres url>`: the peer workload on Switchyard's engine with the server's
 * database run store, as a worker runs it (no step logs or checkpoint files: DBOS keeps none either).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createExecutor, defineWorkflow } from '@switchyard/workflow-engine';
import { z } from 'zod';
import { openDatabase } from '../../apps/web/src/server/db/connection.ts';
import { createDatabaseRunStore } from '../../apps/web/src/server/db/DatabaseRunStore.ts';
import { projects, workflowDefinitions } from '../../apps/web/src/server/db/schema.ts';
import { definitionFromConfig } from '../../packages/workflow-engine/src/parser/WorkflowDefinition.ts';
import { measureWorkload } from './workload.ts';

const database = await openDatabase({ url: process.argv[2]! });
const dir = await mkdtemp(join(tmpdir(), 'switchyard-peer-'));
const path = join(dir, 'bench.ts');
await writeFile(path, '// bench template\n');
const [project] = await database.db.insert(projects).values({ name: 'peer', path: dir }).returning();
await database.db
  .insert(workflowDefinitions)
  .values({ project_id: project!.id, identifier: 'bench', name: 'Bench', type: 'code', path, content_hash: 'bench' });
const executor = createExecutor({
  store: createDatabaseRunStore(database.db, { projectId: project!.id, relaxedDb: database.relaxed }),
  workingDir: dir,
});

let onStep: ((ms: number) => void) | undefined;
const definition = definitionFromConfig(
  defineWorkflow({
    name: 'Bench',
    phases: ['bench'],
    args: z.object({ steps: z.number().int() }),
    async execute(ctx, args) {
      const { steps } = args as { steps: number };
      for (let i = 0; i < steps; i++) {
        const started = performance.now();
        await ctx.step(`s${i}`, { phase: 'bench', run: () => null });
        onStep?.(performance.now() - started);
      }
    },
  }) as never,
  { type: 'code', path, contentHash: 'bench' },
);

const figures = await measureWorkload({
  async run(steps, timer) {
    onStep = timer;
    const run = await executor.run(definition, { steps });
    if (run.status !== 'completed') throw new Error(`bench run ended ${run.status}: ${run.error}`);
  },
  close: async () => undefined,
});
await database.close();
await rm(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(figures)}\n`);
