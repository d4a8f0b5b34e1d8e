/**
 * `switchyard serve` as a real child process of a test, over a project made for it, with an API client: started
 * by the shared harness (`../switchyardProcesses.ts`), stopped however the test means to stop it (SIGTERM, SIGKILL).
 */
import { mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess as startSwitchyardServer } from '../switchyardProcesses.ts';
import type { ServerProcess as SwitchyardServerProcess } from '../switchyardProcesses.ts';
import { serverClient } from './serverHarness.ts';
import type { TestServer } from './serverHarness.ts';

export { BIN } from '../switchyardProcesses.ts';

export interface ServerProcess extends SwitchyardServerProcess {
  api: TestServer;
}

/** A project whose definitions folder holds exactly `templates` (file name → text). */
export async function projectWith(templates: Record<string, string>): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'switchyard-process-')));
  const definitions = join(dir, '.agent', 'workflows', 'definitions');
  await mkdir(definitions, { recursive: true });
  for (const [name, text] of Object.entries(templates)) await writeFile(join(definitions, name), text);
  return dir;
}

/** Starts `switchyard serve` on a free port, with 2 s leases, and resolves once it listens. */
export async function startServerProcess(
  projectDir: string,
  options: { env?: Record<string, string>; args?: string[] } = {},
): Promise<ServerProcess> {
  const server = await startSwitchyardServer(
    projectDir,
    { SWITCHYARD_LEASE_TTL_MS: '2000', ...options.env },
    options.args,
  );
  return { ...server, api: serverClient(server.url, projectDir) };
}
