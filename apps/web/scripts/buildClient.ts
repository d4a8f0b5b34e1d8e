/**
 * Builds the board into `dist/client` when it is missing or older than its sources, so `npm start` (its
 * `prestart`) serves the current client and starts at once when nothing changed. `--force` always builds.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('..', import.meta.url));
const REPO = join(WEB, '..', '..');
const DIST = join(WEB, 'dist', 'client');
const STAMP = join(DIST, '.sources-mtime');
/** Everything the bundle is made of: the client, the protocol, and the engine vocabulary the protocol imports. */
const INPUTS = [
  join(WEB, 'src', 'client'),
  join(WEB, 'src', 'protocol'),
  join(WEB, 'vite.config.ts'),
  join(WEB, 'package.json'),
  join(REPO, 'packages', 'workflow-engine', 'src', 'vocabulary.ts'),
  join(REPO, 'packages', 'workflow-engine', 'src', 'types', 'status.ts'),
  join(REPO, 'packages', 'workflow-engine', 'src', 'errors.ts'),
  join(REPO, 'packages', 'agent-cli-sdk', 'src', 'vocabulary.ts'),
];

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/** True when `dist/client` was built from sources no newer than those on disk now. */
export async function clientIsCurrent(): Promise<boolean> {
  const built = Number(await readFile(STAMP, 'utf8').catch(() => '0'));
  if (!built || !(await stat(join(DIST, 'index.html')).catch(() => null))) return false;
  const newest = Math.max(...(await Promise.all(INPUTS.map(newestMtime))));
  return newest <= built;
}

export async function buildClient(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<boolean> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!options.force && (await clientIsCurrent())) return false;
  const newest = Math.max(...(await Promise.all(INPUTS.map(newestMtime))));
  const started = Date.now();
  log('board: building the client…');
  const { build } = await import('vite');
  // Vite keeps a NODE_ENV it finds (vitest sets `test`), which would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(WEB, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  await writeFile(STAMP, String(newest));
  log(`board: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildClient({ force: process.argv.includes('--force') });
}
