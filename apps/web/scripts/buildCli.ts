/**
 * Builds the command line into `dist/cli/`: the TypeScript sources of the CLI, the server and the workspace
 * packages bundled by esbuild into ES modules, split so that each command's code is a chunk of its own, loaded
 * only when that command runs (`switchyard --help` loads no server). Packages from node_modules stay imports.
 * `npm install` runs this (the root `prepare`); `bin/switchyard.js` runs it again when a source has changed.
 *
 * Each build goes to a directory of its own and `build.json` is then replaced in one rename, so a command
 * starting meanwhile runs either the old build or the new one, whole. `build.json` lists every source the
 * build read with its mtime and size: the bin compares them before each command.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

const WEB = fileURLToPath(new URL('..', import.meta.url));
const REPO = resolve(WEB, '..', '..');
export const CLI_DIST = join(WEB, 'dist', 'cli');
const MANIFEST = join(CLI_DIST, 'build.json');
/** Besides the sources esbuild reports: what decides how they are resolved and built. */
const CONFIG_INPUTS = [
  fileURLToPath(import.meta.url),
  join(WEB, 'package.json'),
  join(REPO, 'packages', 'workflow-engine', 'package.json'),
  join(REPO, 'packages', 'agent-cli-sdk', 'package.json'),
  join(REPO, 'tsconfig.base.json'),
];
/** A build other than the current one is removed once it is this old: a process started from it may still load a chunk. */
const OLD_BUILD_MS = 24 * 60 * 60 * 1000;

/** What `build.json` holds; `bin/switchyard.js` reads it. Paths are relative to the repository root. */
export interface CliManifest {
  /** The entry module, relative to `dist/cli/`. */
  entry: string;
  inputs: Record<string, [mtimeMs: number, size: number]>;
}

/**
 * Besides the workspace packages (TypeScript), the packages bundled: pure JavaScript that reads no file of its own at
 * run time, and that no template imports (templates get zod from node_modules, so zod stays there: one copy).
 * Bundled, their ~200 files cost a command ~0.15 s less to load. The rest are imported from node_modules.
 */
const BUNDLED = /^(@switchyard\/|(yaml|drizzle-orm|pg|pg-[a-z-]+|postgres-[a-z]+)(\/|$))/;

/**
 * A bundled module's `import.meta.url` would be its chunk's, so paths that sources resolve against their own
 * location (migrations, the client's dist, the engine entry jiti aliases templates to, helper scripts spawned
 * by path) are given the source file's URL instead: they resolve exactly as when the sources run directly.
 */
const keepSourceLocation: Plugin = {
  name: 'switchyard-cli',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED.test(args.path) ? undefined : { external: true }));
    builder.onLoad({ filter: /\.(ts|tsx|mts|mjs|js)$/ }, async (args) => {
      if (args.path.includes(`${join('/', 'node_modules')}/`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      const url = pathToFileURL(args.path).href;
      return {
        contents: text
          .replaceAll('import.meta.url', JSON.stringify(url))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path)),
        loader: args.path.endsWith('x') ? 'tsx' : args.path.endsWith('ts') ? 'ts' : 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * The inputs' mtimes and sizes. A file changed during the build (since `since`) may have been read before the
 * change: it is recorded as never matching, so the next command builds again. (A file dated in the future is taken
 * as it is, or every command would build.)
 */
async function fingerprint(files: string[], since: number): Promise<CliManifest['inputs']> {
  const inputs: CliManifest['inputs'] = {};
  const until = Date.now();
  for (const file of files.sort()) {
    const info = await stat(file);
    const changedDuringBuild = info.mtimeMs >= since && info.mtimeMs <= until;
    inputs[relative(REPO, file)] = [changedDuringBuild ? -1 : info.mtimeMs, info.size];
  }
  return inputs;
}

async function removeOldBuilds(current: string): Promise<void> {
  for (const entry of await readdir(CLI_DIST, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === current) continue;
    const path = join(CLI_DIST, entry.name);
    const info = await stat(path).catch(() => null);
    if (info && Date.now() - info.mtimeMs > OLD_BUILD_MS) await rm(path, { recursive: true, force: true });
  }
}

/** Builds the command line; answers the entry module's path. */
export async function buildCli(): Promise<string> {
  const id = `build-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const outdir = join(CLI_DIST, id);
  const started = Date.now();
  const result = await build({
    entryPoints: { main: join(WEB, 'src', 'cli', 'main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    absWorkingDir: REPO,
    // The CommonJS packages bundled (pg) require Node's built-in modules.
    banner: {
      js: "import { createRequire as __cliRequire } from 'node:module'; const require = __cliRequire(import.meta.url);",
    },
    logLevel: 'silent',
    plugins: [keepSourceLocation],
  });
  const sources = Object.keys(result.metafile.inputs).map((input) => resolve(REPO, input));
  const manifest: CliManifest = {
    entry: `${id}/main.js`,
    inputs: await fingerprint([...sources, ...CONFIG_INPUTS], started),
  };
  await mkdir(CLI_DIST, { recursive: true });
  const temporary = `${MANIFEST}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, JSON.stringify(manifest));
  await rename(temporary, MANIFEST);
  await removeOldBuilds(id);
  return join(outdir, 'main.js');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const started = Date.now();
  await buildCli();
  process.stderr.write(
    `switchyard: command line built into ${relative(process.cwd(), CLI_DIST)} in ${Date.now() - started} ms\n`,
  );
}
