/**
 * The step launcher: script steps' processes are spawned by a small process of its own, so that their cost does not
 * grow with this process's heap. Real processes throughout; what is checked is who their parent is and what happens
 * when the launcher, or its owner, dies.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runScript } from '../../src/execution/runScript.ts';
import type { ScriptRun } from '../../src/execution/runScript.ts';
import { newStepTag, STEP_TAG_VARIABLE } from '../../src/execution/stepProcesses.ts';
import { until } from '../helpers.ts';

const HOST = fileURLToPath(new URL('../fixtures/processes/scriptHost.ts', import.meta.url));

function stat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const parentOf = (pid: number) => Number(stat(pid)?.[1]);
/** Alive and not a zombie. */
const isAlive = (pid: number) => stat(pid) !== undefined && stat(pid)![0] !== 'Z';
const commandLineOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

function script(command: string, onOutput: ScriptRun['onOutput'] = () => undefined, signal?: AbortSignal) {
  const tag = newStepTag('run', 'step');
  return runScript({
    command,
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', [STEP_TAG_VARIABLE]: tag },
    tag,
    signal: signal ?? new AbortController().signal,
    onOutput,
  });
}

describe.runIf(process.platform === 'linux')('a script step', () => {
  test('is a child of the launcher, not of this process, and its output and exit code come back whole', async () => {
    const { output, failure } = await script('echo $PPID; printf "%05000d" 0 >&2; exit 3');
    const launcher = Number(output.stdout.trim());
    expect(launcher).not.toBe(process.pid);
    expect(commandLineOf(launcher).some((arg) => arg.endsWith('stepLauncherChild.mjs'))).toBe(true);
    expect(parentOf(launcher)).toBe(process.pid);
    expect(output.stderr).toBe('0'.repeat(5000));
    expect(output.exitCode).toBe(3);
    expect(failure).toBe('exited with code 3');
  });

  test('whose command does not exist fails with the reason', async () => {
    const tag = newStepTag('run', 'step');
    const outcome = await runScript({
      command: ['/nonexistent/command'],
      cwd: process.cwd(),
      env: { PATH: '/usr/bin:/bin' },
      tag,
      signal: new AbortController().signal,
      onOutput: () => undefined,
    });
    expect(outcome.failure).toBe('command not found: /nonexistent/command');
  });

  test('fails, its process killed, when the launcher dies under it; the next step gets a new launcher', async () => {
    let stepPid = 0;
    const running = script('echo $$; exec sleep 1003', (stream, text) => {
      if (stream === 'stdout') stepPid = Number(text.trim());
    });
    await until(() => stepPid > 0, 'the step to print its pid');
    const launcher = parentOf(stepPid);
    expect(commandLineOf(launcher).some((arg) => arg.endsWith('stepLauncherChild.mjs'))).toBe(true);
    process.kill(launcher, 'SIGKILL');
    const { output, failure } = await running;
    expect(output.signal).toBe('SIGKILL');
    expect(failure).toBe('killed by SIGKILL');
    await until(() => !isAlive(stepPid), `the step's process ${stepPid} to be killed`);

    const next = await script('echo $PPID');
    const successor = Number(next.output.stdout.trim());
    expect(successor).not.toBe(launcher);
    expect(commandLineOf(successor).some((arg) => arg.endsWith('stepLauncherChild.mjs'))).toBe(true);
  });

  test('has its launcher exit when the launcher’s owner is killed with -9', async () => {
    const host = spawn(process.execPath, ['--import', 'tsx', HOST, 'hold', 'echo $PPID; sleep 1003'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let printed = '';
    host.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    await until(() => printed.endsWith('\n'), 'the step to print its parent');
    const launcher = Number(printed.trim());
    expect(parentOf(launcher)).toBe(host.pid);
    host.kill('SIGKILL');
    await until(() => !isAlive(launcher), `the launcher ${launcher} to exit after its owner died`);
  });
});
