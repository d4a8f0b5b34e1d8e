#!/usr/bin/env node
/**
 * `switchyard`: runs the precompiled command line in `dist/cli/` (built by `npm install`), building it first when a
 * source has changed since — after an edit, a `git pull`, or an install that skipped scripts — so it always runs
 * the sources as they are. Checking costs a stat per source (~1 ms); a build, about a second.
 */
import { readFileSync, statSync } from 'node:fs';
import { pathToFileURL, URL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

const REPO = new URL('../../../', import.meta.url);
const DIST = new URL('../dist/cli/', import.meta.url);

/** The current build's entry, or undefined when there is none or a source differs from what it was built from. */
function currentBuild() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('build.json', DIST), 'utf8'));
    for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
      const info = statSync(new URL(file, REPO));
      if (info.mtimeMs !== mtimeMs || info.size !== size) return undefined;
    }
  } catch {
    return undefined;
  }
  return new URL(manifest.entry, DIST);
}

async function rebuild() {
  try {
    const { tsImport } = await import('tsx/esm/api');
    const { buildCli } = await tsImport('../scripts/buildCli.ts', import.meta.url);
    return pathToFileURL(await buildCli());
  } catch (error) {
    // The sources as they are, through tsx: slower, but a build that fails (a syntax error mid-edit) fails the same
    // way there, with tsx's message.
    if (process.env.SWITCHYARD_DEBUG === '1') process.stderr.write(`switchyard: build failed: ${error.stack}\n`);
    const { register } = await import('tsx/esm/api');
    register();
    return new URL('../src/cli/main.ts', import.meta.url);
  }
}

// A command other than `serve` uses the embedded database for a moment. V8 tiers PostgreSQL's WebAssembly up to
// optimised code as eagerly as if it would run for hours: the background compiles cost a command ~0.4 s of CPU and,
// where its first queries wait for them, as much wall time, and it never earns that back. With a budget ~500 times
// V8's, the code stays baseline-compiled unless it runs hot for long; the server keeps V8's default.
if (process.argv[2] !== 'serve') setFlagsFromString('--wasm-tiering-budget=1000000000');
if (process.env.SWITCHYARD_DEBUG === '1') process.setSourceMapsEnabled(true);
const entry = currentBuild() ?? (await rebuild());
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
// Exit once the output is written: what the command leaves behind (PGlite tearing its heap down, ~0.3 s) is not
// worth waiting for, and every resource the command opened is closed by the time `main` answers.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
