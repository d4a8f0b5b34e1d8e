/**
 * Loads TypeScript templates at run time, without a build step, through jiti.
 *
 * A template may live in any directory, with no `node_modules`: `@switchyard/workflow-engine` and `zod` are
 * aliased to the running engine's own copies. The template therefore sees a second, jiti-loaded copy of this
 * package's modules; that is why `defineWorkflow` results are recognised by a registered symbol, not `instanceof`.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';
import { TemplateError } from '../errors.ts';
import type { WorkflowDefinition } from '../types/workflow.ts';
import { contentHash, definitionFromConfig, isDefinedWorkflow } from './WorkflowDefinition.ts';
import { readTemplateText } from './templateFile.ts';

export const DEFAULT_TEMPLATE_LOAD_TIMEOUT_MS = 10_000;

export interface LoadCodeTemplateOptions {
  /** How long importing the module may take (top-level awaits included). Default 10 s. */
  timeoutMs?: number;
  /**
   * Import a given content once per process and reuse its module for later loads of the same content (a run's
   * pinned copy, which never changes), instead of compiling and evaluating it again for every run.
   */
  compiledOnce?: boolean;
}

/** Content hash → the module of that content, for loads with `compiledOnce`; the most recent few are kept. */
const compiled = new Map<string, Promise<Record<string, unknown>>>();
const COMPILED_KEPT = 128;

const ENGINE_ENTRY = fileURLToPath(new URL('../index.ts', import.meta.url));
// The package directory, not the resolved file, so that subpaths (`zod/v4`, `zod/mini`, `zod/v4/core`) still resolve.
const ZOD_DIR = path.dirname(createRequire(import.meta.url).resolve('zod/package.json'));

// moduleCache off: an edited template (or a helper it imports) must load fresh, since a run pins the text it read.
// fsCache on: transpiled output is cached on disk keyed by content; measured here, a first load takes ~0.3 s
// without it and ~0.1 s with a warm cache.
const jiti = createJiti(import.meta.url, {
  alias: { '@switchyard/workflow-engine': ENGINE_ENTRY, zod: ZOD_DIR },
  moduleCache: false,
  fsCache: true,
});

/**
 * Loads a `.ts` template: `export default defineWorkflow({ … })`. Every failure is a `TemplateError` whose message
 * names the file (and line:column where known): syntax errors, a missing or wrong default export, a throw or an
 * unresolvable import at module top level, invalid phases or fields, and a load slower than `timeoutMs`.
 */
export async function loadCodeTemplate(
  file: string,
  options: LoadCodeTemplateOptions = {},
): Promise<WorkflowDefinition> {
  const absolute = path.resolve(file);
  const text = await readTemplateText(file);
  const source = { type: 'code' as const, path: file, contentHash: contentHash(text) };
  const load = () => importTemplate(absolute, file, text, options.timeoutMs ?? DEFAULT_TEMPLATE_LOAD_TIMEOUT_MS);
  const exports = await (options.compiledOnce ? compiledOnce(source.contentHash, load) : load());
  if (!('default' in exports)) {
    const named = Object.keys(exports);
    const found = named.length ? ` (it exports ${named.map((name) => `"${name}"`).join(', ')})` : '';
    throw fileError(file, `has no default export${found}; add \`export default defineWorkflow({ … })\``);
  }
  const candidate = exports.default;
  if (!isDefinedWorkflow(candidate)) {
    throw fileError(
      file,
      `the default export is ${describeExport(candidate)}, not the result of defineWorkflow(); write ` +
        "`import { defineWorkflow } from '@switchyard/workflow-engine'` and `export default defineWorkflow({ … })`",
    );
  }
  return definitionFromConfig(candidate, source);
}

function compiledOnce(hash: string, load: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  let module = compiled.get(hash);
  if (!module) {
    module = load();
    // A failure is not kept: the next load tries again.
    module.catch(() => compiled.delete(hash));
    compiled.set(hash, module);
    while (compiled.size > COMPILED_KEPT) compiled.delete(compiled.keys().next().value!);
  }
  return module;
}

async function importTemplate(
  absolute: string,
  file: string,
  text: string,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Limit: the timer only fires if the event loop is free. A top-level await that never settles is caught; a
  // synchronous infinite loop at top level blocks this thread and cannot be stopped from inside it (that needs
  // loading in a worker thread or a child process).
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          fileError(
            file,
            `loading took longer than ${timeoutMs} ms (a top-level await that never settles?); templates must load quickly`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([jiti.import<Record<string, unknown>>(absolute), timeout]);
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw loadError(error, absolute, file, text);
  } finally {
    clearTimeout(timer);
  }
}

/** Turns what jiti threw into a located, readable `TemplateError`. */
function loadError(error: unknown, absolute: string, file: string, text: string): TemplateError {
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as NodeJS.ErrnoException).code;

  // jiti reports transpiler (Babel) errors as "ParseError: <reason>\n <file>:<line>:<column>", column 0-based.
  const parse = /^ParseError:\s*(.*?)\s*\n\s*(.+):(\d+):(\d+)\s*$/s.exec(err.message);
  if (parse) {
    const [, reason = 'syntax error', where = absolute, line, column] = parse;
    const elsewhere = path.resolve(where) === absolute ? '' : ` (in ${where})`;
    return new TemplateError(
      [
        {
          file,
          line: Number(line),
          column: Number(column) + 1,
          path: '',
          message: `syntax error: ${reason}${elsewhere}`,
        },
      ],
      { cause: err },
    );
  }

  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
    const specifier = /Cannot find (?:module|package) '([^']+)'/.exec(err.message)?.[1] ?? 'a module';
    return new TemplateError(
      [
        {
          file,
          ...positionOf(text, [`'${specifier}'`, `"${specifier}"`]),
          path: '',
          message:
            `imports "${specifier}", which cannot be found; a template can import @switchyard/workflow-engine, zod, ` +
            'node: built-ins and files relative to itself',
        },
      ],
      { cause: err },
    );
  }

  // A throw at module top level: point at the first frame in user code (the stack is source-mapped by jiti). When
  // that frame is in a file the template imports, name it instead of giving the template a misleading position.
  const frame = (err.stack ?? '')
    .split('\n')
    .slice(1)
    .map((line) => /\(?((?:file:\/\/)?\/[^()]+?):(\d+):(\d+)\)?\s*$/.exec(line.trim()))
    .find((match) => match !== null && !match[1]!.includes('/node_modules/'));
  const inTemplate = frame && path.resolve(frame[1]!.replace(/^file:\/\//, '')) === absolute;
  // jiti's module wrapper shares the first line, so a column there is off; keep only the line.
  const [line, column] = frame ? [Number(frame[2]), frame[2] === '1' ? undefined : Number(frame[3])] : [];
  const where = [frame?.[1], line, column].filter((part) => part !== undefined).join(':');
  const elsewhere = frame && !inTemplate ? ` (at ${where})` : '';
  return new TemplateError(
    [
      {
        file,
        ...(inTemplate ? { line, ...(column !== undefined ? { column } : {}) } : {}),
        path: '',
        message: `threw while loading${elsewhere}: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`,
      },
    ],
    { cause: err },
  );
}

function fileError(file: string, message: string): TemplateError {
  return new TemplateError([{ file, path: '', message }]);
}

function describeExport(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length ? `a plain object with keys ${keys.join(', ')}` : 'an empty object';
  }
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

function positionOf(text: string, needles: string[]): { line: number; column: number } | Record<string, never> {
  for (const needle of needles) {
    const offset = text.indexOf(needle);
    if (offset === -1) continue;
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, column: before[before.length - 1]!.length + 1 };
  }
  return {};
}
