/**
 * `switchyard serve` (or `worker`) as a real child process of a test, over a project made for it: started, talked
 * to over HTTP, and stopped however the test means to stop it (SIGTERM, SIGKILL).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverClient } from './serverHarness.ts';
import type { TestServer } from './serverHarness.ts';

export const BIN = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  api: TestServer;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
}

/** A project whose definitions folder holds exactly `templates` (file name → text). */
export async function projectWith(templates: Record<string, string>): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'switchyard-process-')));
  const definitions = join(dir, '.agent', 'workflows', 'definitions');
  await mkdir(definitions, { recursive: true });
  for (const [name, text] of Object.entries(templates)) await writeFile(join(definitions, name), text);
  return dir;
}

/** Starts `switchyard serve` on a free port and resolves once it listens. */
export function startServerProcess(
  projectDir: string,
  options: { env?: Record<string, string>; args?: string[] } = {},
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--project', projectDir, ...(options.args ?? [])],
    {
      env: { ...process.env, SWITCHYARD_LEASE_TTL_MS: '2000', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        const url = match[1]!;
        resolve({ child, url, api: serverClient(url, projectDir), output: () => output, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
}
