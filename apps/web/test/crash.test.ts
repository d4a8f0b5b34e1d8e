import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, runIdFrom, startCli, tempProject, until } from './cliHarness.ts';

// Five script steps; each logs its start and end to a side-effect file and prints its square.
const CRASH_TEMPLATE = `
import { defineWorkflow } from '@switchyard/workflow-engine';
import { z } from 'zod';

export default defineWorkflow({
  name: 'Crash test',
  phases: ['first', 'second'],
  args: z.object({ log: z.string() }),
  async execute(ctx, args) {
    const squares: string[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await ctx.step<{ stdout: string }>(\`step-\${i}\`, {
        phase: i < 2 ? 'first' : 'second',
        command: ['sh', '-c', \`echo start \${i} >> "$LOG"; sleep 0.2; echo end \${i} >> "$LOG"; echo \${i * i}\`],
        env: { LOG: args.log },
      });
      squares.push(result.data.stdout.trim());
    }
    return squares;
  },
});
`;

const starts = (log: string, i: number) => log.split('\n').filter((line) => line === `start ${i}`).length;

// Each command opens the project's embedded database (a few seconds on a loaded machine).
describe('crash recovery', { timeout: 120_000 }, () => {
  for (const k of [0, 2, 4]) {
    it(`resumes a run whose process was killed with SIGKILL during step ${k}: earlier steps ran once, same output`, async () => {
      const project = await tempProject({ 'crash.ts': CRASH_TEMPLATE });
      const log = join(project, 'side-effects.log');
      const first = startCli(['run', 'crash', '--arg', `log=${log}`], { cwd: project });
      await until(async () => starts(await readFile(log, 'utf8').catch(() => ''), k) === 1, `step ${k} to start`);
      const runId = runIdFrom(first.stdout());
      first.child.kill('SIGKILL');
      expect((await first.done).code).toBeNull();

      const resumed = await cli(['resume', runId, '--json'], { cwd: project });
      expect(resumed.code, resumed.stderr).toBe(0);
      const run = JSON.parse(resumed.stdout) as { status: string; output: string[]; steps: { status: string }[] };
      expect(run.status).toBe('completed');
      expect(run.output).toEqual(['0', '1', '4', '9', '16']);
      expect(run.steps.map((s) => s.status)).toEqual(Array(5).fill('completed'));

      const sideEffects = await readFile(log, 'utf8');
      for (let i = 0; i < k; i++) expect(starts(sideEffects, i), `step ${i} ran once`).toBe(1);
      for (let i = k + 1; i < 5; i++) expect(starts(sideEffects, i), `step ${i} ran once`).toBe(1);
      // Step k was interrupted before its commit: it runs again (at least once per step).
      expect(starts(sideEffects, k)).toBe(2);
    });
  }
});
