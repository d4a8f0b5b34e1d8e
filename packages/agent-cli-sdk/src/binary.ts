/**
 * Where a CLI's binary is: the runner options, else `SWITCHYARD_<AGENT>_PATH`, else PATH. Checked before spawning so a
 * missing CLI fails at once with an install hint instead of as an opaque ENOENT mid-run.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { AgentAdapter } from './adapter.ts';
import { AgentCliNotFoundError } from './errors.ts';

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export function resolveAgentBinary(
  adapter: AgentAdapter,
  explicitPath: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  const configured = explicitPath ?? env[adapter.pathEnvVar];
  if (configured) {
    if (isExecutableFile(configured)) return configured;
    const source = explicitPath ? 'the runner options' : adapter.pathEnvVar;
    throw new AgentCliNotFoundError(
      adapter.agent,
      `${configured} from ${source} is not an executable file`,
      adapter.installHint,
    );
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, adapter.binaryName);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new AgentCliNotFoundError(
    adapter.agent,
    `no \`${adapter.binaryName}\` on PATH and ${adapter.pathEnvVar} is not set`,
    adapter.installHint,
  );
}
