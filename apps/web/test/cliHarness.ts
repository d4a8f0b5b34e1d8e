/** Runs the real `switchyard` command line as a child process, as a user would. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { projectLayout } from '../src/server/domain/project/projectLayout.ts';
import { BIN } from './switchyardProcesses.ts';

export { BIN };
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const EXAMPLES_DIR = join(REPO_ROOT, '.agent', 'workflows', 'definitions');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, SWITCHYARD_LEASE_TTL_MS: '1000', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

export function cli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return startCli(args, options).done;
}

/** A project directory with no node_modules, holding the given templates. */
export async function tempProject(templates: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-project-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(templates)) {
    const path = join(dir, '.agent', 'workflows', 'definitions', name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
  return dir;
}

/** Waits for `check`; by default as long as a first command takes to create a project's embedded database on a busy machine. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function runIdFrom(output: string): string {
  const match = /started run ([0-9a-f-]{36})/.exec(output);
  if (!match) throw new Error(`no run id in output:\n${output}`);
  return match[1]!;
}

/**
 * A run as the API of the process holding the project's embedded database shows it (a command line executing a
 * run shares it so), or undefined while no process announces one.
 */
export async function runFromHolder(project: string, runId: string): Promise<Record<string, unknown> | undefined> {
  const announced = await readFile(projectLayout(project).serverFile, 'utf8').catch(() => undefined);
  if (!announced) return undefined;
  const { url } = JSON.parse(announced) as { url: string };
  const response = await fetch(`${url}/api/workflow-executions/${runId}`).catch(() => undefined);
  return response?.ok ? ((await response.json()) as Record<string, unknown>) : undefined;
}
