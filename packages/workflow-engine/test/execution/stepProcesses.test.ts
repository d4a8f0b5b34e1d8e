/**
 * Steps that escape: processes that leave the step's process group and session (`setsid … &`), and the process that
 * runs steps dying or running out of file descriptors. Real processes throughout.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { fakeClaudePath } from '@switchyard/agent-cli-sdk/testing';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { reapOrphanedStepProcesses, STEP_TAG_VARIABLE } from '../../src/execution/stepProcesses.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import { inlineDefinition, tempDir, until } from '../helpers.ts';

const HOST = fileURLToPath(new URL('../fixtures/processes/scriptHost.ts', import.meta.url));

/** Alive and not a zombie: a killed daemon re-parented to init is a zombie until init reaps it. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function readPid(file: string): Promise<number> {
  let text = '';
  await until(async () => (text = await readFile(file, 'utf8').catch(() => '')).endsWith('\n'), `a pid in ${file}`);
  return Number(text.trim());
}

/** A run of one script step, executing until `stop` does something to it. */
async function runOneScript(command: string, options: { timeoutMs?: number } = {}) {
  const dir = await tempDir();
  const store = createMemoryRunStore();
  const executor = createExecutor({ store, workingDir: dir, controlPollMs: 20 });
  const definition = await inlineDefinition(dir, 'escape', {
    name: 'escape',
    phases: ['work'],
    async execute(ctx) {
      await ctx.step('daemon', { type: 'script', phase: 'work', command, ...options });
    },
  });
  const run = await executor.start(definition, {});
  return { dir, executor, store, runId: run.id, executing: executor.execute(run.id, definition) };
}

describe('a step that starts a process in a session of its own', () => {
  test('cancelling the run kills that process too, and the run ends cancelled', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'daemon.pid');
    const { executor, runId, executing } = await runOneScript(
      `setsid sleep 1003 > /dev/null 2>&1 & echo $! > ${pidFile}; sleep 1000`,
    );
    const daemon = await readPid(pidFile);
    expect(isAlive(daemon)).toBe(true);
    await executor.cancel(runId);
    expect((await executing).status).toBe('cancelled');
    await until(() => !isAlive(daemon), `the daemon ${daemon} to be killed`);
  });

  test('a timeout kills it as well, and fails the step with the timeout', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'daemon.pid');
    const { store, runId, executing } = await runOneScript(
      `setsid sh -c 'trap "" TERM; sleep 1003' > /dev/null 2>&1 & echo $! > ${pidFile}; sleep 1000`,
      { timeoutMs: 500 },
    );
    const daemon = await readPid(pidFile);
    const run = await executing;
    expect(run.status).toBe('failed');
    const [record] = await store.getJournal(runId);
    expect(record?.error).toEqual({ code: 'timeout', message: 'timed out after 500 ms' });
    await until(() => !isAlive(daemon), `the daemon ${daemon}, which ignores SIGTERM, to be killed`);
  });

  test('a step whose process exits while a daemon still holds its output completes without waiting for it', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'daemon.pid');
    // The daemon inherits stdout and stderr, so they stay open after `sh` exits.
    const { store, runId, executing } = await runOneScript(`setsid sleep 1003 & echo $! > ${pidFile}; echo done`);
    const daemon = await readPid(pidFile);
    expect((await executing).status).toBe('completed');
    const [record] = await store.getJournal(runId);
    expect(record?.result?.data).toMatchObject({ exitCode: 0, stdout: 'done\n' });
    await until(() => !isAlive(daemon), `the daemon ${daemon} to be killed`);
  });
});

describe('the process running steps', () => {
  test('killed with -9, its watchdog kills the processes its steps started, those in other sessions too', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'daemon.pid');
    const host = spawn(
      process.execPath,
      ['--import', 'tsx', HOST, 'hold', `setsid sleep 1003 > /dev/null 2>&1 & echo $! > ${pidFile}; sleep 1000`],
      { stdio: 'ignore' },
    );
    const daemon = await readPid(pidFile);
    host.kill('SIGKILL');
    await until(() => !isAlive(daemon), `the daemon ${daemon} to be killed after its owner died`);
  });

  test('out of file descriptors, a script step and an agent step fail with the reason instead of crashing it', async () => {
    const host = spawn(
      '/bin/sh',
      ['-c', `ulimit -n 200 && exec "$0" --import tsx "$1" emfile true`, process.execPath, HOST],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    host.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    host.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => host.once('exit', resolve));
    expect(code, output).toBe(0);
    expect(output).toContain('fds exhausted: EMFILE');
    const { outcome, agent } = JSON.parse(output.trim().split('\n').at(-1)!) as { outcome: unknown; agent: string };
    expect(outcome).toEqual({
      output: { exitCode: null, signal: null, stdout: '', stderr: '' },
      failure: 'could not start /bin/sh: too many open files (EMFILE); the step can be retried once files are closed',
    });
    expect(agent).toBe(
      `AgentSpawnError agent_spawn_failed: claude could not be started: ${fakeClaudePath}: too many open files (EMFILE)`,
    );
  });

  test('started after an owner died, it kills the step processes that owner left behind, and no others', async () => {
    const orphan = spawn('sleep', ['1003'], {
      detached: true,
      stdio: 'ignore',
      // Pid 2^22 + 1 is above any pid_max, so this owner is certainly dead.
      env: { [STEP_TAG_VARIABLE]: '4194305.1/run/step/0000' },
    });
    const ours = spawn('sleep', ['1003'], {
      detached: true,
      stdio: 'ignore',
      env: { [STEP_TAG_VARIABLE]: `${await ownTag()}/run/step/0000` },
    });
    try {
      await until(
        async () => (await readFile(`/proc/${ours.pid}/environ`, 'utf8').catch(() => '')).includes(STEP_TAG_VARIABLE),
        'the sleeps to start',
      );
      await until(
        async () => (await readFile(`/proc/${orphan.pid}/environ`, 'utf8').catch(() => '')).includes(STEP_TAG_VARIABLE),
        'the sleeps to start',
      );
      expect(await reapOrphanedStepProcesses()).toBe(1);
      await until(() => !isAlive(orphan.pid!), 'the orphan to be killed');
      expect(isAlive(ours.pid!)).toBe(true);
    } finally {
      orphan.kill('SIGKILL');
      ours.kill('SIGKILL');
    }
  });
});

async function ownTag(): Promise<string> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  return `${process.pid}.${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
}
