/** `tsx bench/peers/dbos.ts <postgres url>`: the peer workload on DBOS Transact (`@dbos-inc/dbos-sdk`). */
import { performance } from 'node:perf_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { measureWorkload } from './workload.ts';

const url = process.argv[2]!;
DBOS.setConfig({ name: 'switchyard-bench', systemDatabaseUrl: url, systemDatabasePoolSize: 10 });
const noop = DBOS.registerStep(async () => null, { name: 'noop' });
const workflow = DBOS.registerWorkflow(
  async (steps: number, timed: boolean) => {
    const durations: number[] = [];
    for (let i = 0; i < steps; i++) {
      const started = performance.now();
      await noop();
      if (timed) durations.push(performance.now() - started);
    }
    return durations;
  },
  { name: 'bench' },
);
await DBOS.launch();
const figures = await measureWorkload({
  async run(steps, onStep) {
    const durations = await workflow(steps, onStep !== undefined);
    for (const ms of durations) onStep?.(ms);
  },
  close: () => DBOS.shutdown(),
});
await DBOS.shutdown();
process.stdout.write(`${JSON.stringify(figures)}\n`);
