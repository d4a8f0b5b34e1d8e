/**
 * `cli.startup_ms`: the wall time of `switchyard <command>` as a user types it — a new Node.js process running
 * `apps/web/bin/switchyard.js`, until it has exited — for `--help`, `status <run>` and `run` of a one-step YAML
 * template, on the embedded database of a project whose database exists. `from_source` runs the same commands
 * from the TypeScript sources through tsx, the way the bin ran them before the command line was precompiled (with
 * today's sources, so commands loaded on demand help it too): the ratio is what precompiling gains, measured in the
 * same minute. `node_floor` is `node -e 0`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { BIN } from '../apps/web/test/switchyardProcesses.ts';
import { benchProject } from './switchyardServer.ts';
import { distribution, ratio } from './stats.ts';
import type { Distribution } from './stats.ts';

const TIMES = 10;
const FROM_SOURCE_TIMES = 3;
const MAIN_SOURCE = fileURLToPath(new URL('../apps/web/src/cli/main.ts', import.meta.url));
const FROM_SOURCE = [
  '--input-type=module',
  '-e',
  `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register();
   const { main } = await import(${JSON.stringify(MAIN_SOURCE)});
   process.exitCode = await main(process.argv.slice(1));`,
  '--',
];

const TEMPLATE = `name: One
phases: [work]
steps:
  - id: hello
    name: Hello
    phase: work
    type: script
    command: ['true']
`;

function time(args: string[], cwd: string, times: number): Distribution {
  const durations: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
    durations.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return distribution(durations);
}

export async function benchCli(log: (line: string) => void) {
  const project = await benchProject({ 'one.yaml': TEMPLATE });
  try {
    log('cli: a first run creates the project database');
    const first = spawnSync(process.execPath, [BIN, 'run', 'one', '--json'], { cwd: project.dir, encoding: 'utf8' });
    if (first.status !== 0) throw new Error(`switchyard run exited ${first.status}: ${first.stderr}`);
    const runId = (JSON.parse(first.stdout) as { id: string }).id;
    const commands: Record<string, string[]> = { help: ['--help'], status: ['status', runId], run: ['run', 'one'] };
    const figures: Record<string, Distribution> = {};
    const fromSource: Record<string, Distribution> = {};
    for (const [name, args] of Object.entries(commands)) {
      log(`cli: ${TIMES} × switchyard ${args.join(' ')}, ${FROM_SOURCE_TIMES} × from source`);
      figures[name] = time([BIN, ...args], project.dir, TIMES);
      fromSource[name] = time([...FROM_SOURCE, ...args], project.dir, FROM_SOURCE_TIMES);
    }
    return {
      'cli.startup_ms': {
        ...figures,
        from_source: fromSource,
        node_floor: time(['-e', '0'], project.dir, TIMES),
        ratio_to_source: Object.fromEntries(
          Object.keys(figures).map((name) => [name, ratio(figures[name]!.median, fromSource[name]!.median)]),
        ),
      },
    };
  } finally {
    await project.remove();
  }
}
