/**
 * TypeScript templates are code, and code that runs when it is imported: a template can spin forever at top
 * level, call `process.exit`, or crash. So a process that must stay up — the server listing its templates,
 * starting a run, a worker about to execute one — never imports a template it has not seen load elsewhere first.
 *
 * - **Inspection** (listing, phases, the args schema, validating a run's args) happens in a child process
 *   (inspectorChild.mjs) under a time limit. A template that does not answer in time is killed with its child and
 *   listed invalid with the reason; the asking process stays responsive.
 * - **Execution** of a run happens in the process that claimed it (`serve`'s worker pool, `switchyard worker`, the
 *   command line in the foreground), from the copy of the template the run is pinned to. That copy is imported
 *   here only after a child loaded the same content (by hash) within the limit, and it is compiled once per
 *   content hash and kept, instead of once per run.
 *
 * YAML templates are data: they are parsed in this process, within their size, alias and depth limits.
 *
 * This guards against mistakes, not against a hostile template: one that behaves differently on its second import,
 * or whose steps misbehave, runs all the same — a template's steps run commands by design.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_ENVIRONMENT, passedThrough, pickEnvironment } from '@switchyard/agent-cli-sdk';
import { SnapshotMissingError, TemplateError } from '../errors.ts';
import type { ExecutionFiles } from '../storage/FileSystemStorage.ts';
import type { DefinitionSnapshot, WorkflowDefinition } from '../types/workflow.ts';
import { DEFAULT_TEMPLATE_LOAD_TIMEOUT_MS, loadCodeTemplate } from './CodeParser.ts';
import { inspectHere, replyResult } from './inspection.ts';
import type { InspectionReply, InspectionRequest } from './inspection.ts';
import { CODE_TEMPLATE_EXTENSIONS, isTemplateFile, loadTemplate } from './loadTemplate.ts';
import { readTemplateText } from './templateFile.ts';
import { contentHash } from './WorkflowDefinition.ts';

const CHILD = fileURLToPath(new URL('./inspectorChild.mjs', import.meta.url));
/** Inspector children alive at once: requests beyond this wait their turn rather than start more processes. */
const MAX_CHILDREN = 2;
/** Content hashes whose inspection and compiled module are kept. */
const CACHE_SIZE = 128;

export interface InspectOptions {
  /**
   * How long one template may take to load in the child (top-level awaits included). Default:
   * `SWITCHYARD_TEMPLATE_TIMEOUT_MS`, else 10 s.
   */
  timeoutMs?: number;
}

export interface Inspection {
  snapshot: DefinitionSnapshot;
  /** The args validated against the template's schema, defaults applied, when they were given. */
  args?: { value: unknown };
}

const isCode = (file: string) =>
  (CODE_TEMPLATE_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase());

/**
 * Loads a template where it cannot harm this process and answers its snapshot (and `args`, validated, when given).
 * Throws a `TemplateError` for a template that fails, spins, exits or crashes while loading, and an
 * `ArgsValidationError` for args its schema refuses.
 */
export async function inspectTemplate(
  file: string,
  options: InspectOptions & { args?: unknown } = {},
): Promise<Inspection> {
  const request: InspectionRequest = { file, ...('args' in options ? { args: { value: options.args } } : {}) };
  const [reply] = await inspect([request], options);
  return replyResult(reply!);
}

export interface DiscoveredTemplates {
  templates: DefinitionSnapshot[];
  /** Templates that failed to load, each with its error, so one bad file does not hide the others. */
  invalid: { file: string; error: TemplateError }[];
}

/**
 * Inspects every template directly inside `dir` (sorted by file name; symbolic links are not followed), TypeScript
 * ones in one child process. A missing folder lists nothing.
 */
export async function discoverTemplates(dir: string, options: InspectOptions = {}): Promise<DiscoveredTemplates> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { templates: [], invalid: [] };
    throw error;
  }
  const files = names
    .filter(isTemplateFile)
    .sort()
    .map((name) => path.join(dir, name));
  const found: { file: string; kind: 'file' | 'outside' }[] = [];
  const folder = await realpath(dir);
  for (const file of files) {
    const info = await lstat(file).catch(() => undefined);
    if (info?.isFile()) found.push({ file, kind: 'file' });
    else if (info?.isSymbolicLink()) {
      // A link to a template in this folder is that template; one elsewhere is not read at all.
      const target = await realpath(file).catch(() => undefined);
      const inside = target !== undefined && path.dirname(target) === folder && (await lstat(target)).isFile();
      found.push({ file, kind: inside ? 'file' : 'outside' });
    }
  }
  const replies = await inspect(
    found.filter((f) => f.kind === 'file').map((f) => ({ file: f.file })),
    options,
  );
  const result: DiscoveredTemplates = { templates: [], invalid: [] };
  let next = 0;
  for (const { file, kind } of found) {
    if (kind === 'outside') {
      // An error quoting the file it points at would show what that file holds, whatever it is.
      const message = 'is a symbolic link to a file outside the definitions folder, which is not read';
      result.invalid.push({ file, error: new TemplateError([{ file, path: '', message }]) });
      continue;
    }
    try {
      result.templates.push(replyResult(replies[next++]!).snapshot);
    } catch (error) {
      result.invalid.push({ file, error: error as TemplateError });
    }
  }
  return result;
}

// ── Loading to execute ──────────────────────────────────────────────────────────────────────────────────────────

/** Content hash → what a child made of it: kept so that a content is inspected once per process. */
const inspected = new Map<string, Promise<InspectionReply>>();

/**
 * Loads a template in this process to execute it: TypeScript only once a child loaded the same content within
 * the time limit (else the child's error is thrown and nothing is imported here). The compiled module is kept
 * per content hash, so runs pinned to the same template compile it once.
 */
export async function loadCheckedTemplate(file: string, options: InspectOptions = {}): Promise<WorkflowDefinition> {
  if (!isCode(file)) return loadTemplate(file);
  const hash = contentHash(await readTemplateText(file));
  let reply = inspected.get(hash);
  if (!reply) {
    reply = inspect([{ file }], options).then(([only]) => only!);
    remember(inspected, hash, reply);
  }
  replyResult(await reply);
  return loadCodeTemplate(file, { compiledOnce: true });
}

/**
 * The template a run is pinned to: the copy of its source taken at start (`executions/{id}/source/`), not the
 * file as it is now, loaded as {@link loadCheckedTemplate} does. A run without a snapshot is a `SnapshotMissingError`.
 */
export async function loadPinnedTemplate(
  files: ExecutionFiles,
  options: InspectOptions = {},
): Promise<WorkflowDefinition> {
  const snapshot = await files.readDefinition().catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SnapshotMissingError(files.runId, files.dir);
    throw error;
  });
  return loadCheckedTemplate(files.pinnedSourcePath(snapshot), options);
}

/**
 * A definition to start a run with, from an inspection that validated the run's args (`inspectTemplate(file,
 * { args })`): its schema takes those args as they are. It cannot be executed here — a run executes from its
 * pinned copy, loaded with {@link loadPinnedTemplate}.
 */
export function definitionFromInspection(inspection: Inspection): WorkflowDefinition {
  const { snapshot } = inspection;
  return {
    id: snapshot.id,
    name: snapshot.name,
    ...(snapshot.description !== undefined ? { description: snapshot.description } : {}),
    source: snapshot.source,
    phases: snapshot.phases,
    args: {
      // Validated in the child already: what reaches the schema is the child's answer.
      schema: { safeParse: (value: unknown) => ({ success: true, data: value }) },
      jsonSchema: snapshot.argsJsonSchema,
    },
    ...(snapshot.workspace ? { workspace: snapshot.workspace } : {}),
    ...(snapshot.declaredSteps ? { declaredSteps: snapshot.declaredSteps } : {}),
    execute: () =>
      Promise.reject(new Error(`${snapshot.id} was inspected, not loaded: execute a run from its pinned template`)),
  };
}

function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  cache.delete(key);
  cache.set(key, value);
  // Oldest first: a Map iterates in insertion order.
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

// ── The child ───────────────────────────────────────────────────────────────────────────────────────────────────

let children = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<() => void> {
  while (children >= MAX_CHILDREN) await new Promise<void>((resolve) => waiting.push(resolve));
  children++;
  return () => {
    children--;
    waiting.shift()?.();
  };
}

/** Inspects the requests in order: TypeScript ones in a child process (a fresh one after one that failed), YAML here. */
async function inspect(requests: InspectionRequest[], options: InspectOptions): Promise<InspectionReply[]> {
  const timeoutMs =
    options.timeoutMs ?? (Number(process.env.SWITCHYARD_TEMPLATE_TIMEOUT_MS) || DEFAULT_TEMPLATE_LOAD_TIMEOUT_MS);
  const replies: InspectionReply[] = [];
  let child: InspectorChild | undefined;
  let release: (() => void) | undefined;
  try {
    for (const request of requests) {
      if (!isCode(request.file)) {
        replies.push(await inspectHere(request));
        continue;
      }
      release ??= await slot();
      child ??= idleChild() ?? (await InspectorChild.start());
      child.hold();
      const reply = await child.ask(request, timeoutMs);
      replies.push(reply);
      if (!child.alive) child = undefined;
    }
  } finally {
    if (child) keepIdle(child);
    release?.();
  }
  return replies;
}

/**
 * A child that answered is kept for a while, for the next sync or run start: starting one (Node, then the engine
 * through jiti) costs more than most templates take to load. Every child is kept, so that starts arriving together
 * do not close one child and start another each time.
 */
const idle: InspectorChild[] = [];
const IDLE_MS = 30_000;

function idleChild(): InspectorChild | undefined {
  const child = idle.pop();
  // One that died while idle is of no use.
  return child?.alive ? child : (child?.close(), undefined);
}

function keepIdle(child: InspectorChild): void {
  if (!child.alive || idle.length >= MAX_CHILDREN) return child.close();
  idle.push(child);
  child.letGo(IDLE_MS, () => {
    idle.splice(idle.indexOf(child), 1);
    child.close();
  });
}

class InspectorChild {
  private stderr = '';
  /** The template being loaded, which a death of the child is blamed on. */
  private current = '';
  private answer: ((reply: InspectionReply) => void) | undefined;
  private ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private killed = false;

  private constructor(private readonly process: ChildProcess) {
    process.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-2_000);
    });
    process.on('message', (message: InspectionReply) => this.answer?.(message));
    process.on('exit', (code, signal) => {
      this.ended = { code, signal };
      this.answer?.(this.diedReply(code, signal));
    });
    // A failure to signal or to send is reported by 'exit'; unheard, it would crash the asking process.
    process.on('error', () => undefined);
  }

  private idleTimer: NodeJS.Timeout | undefined;

  /** In use: it keeps this process alive, and is not closed for being idle. */
  hold(): void {
    clearTimeout(this.idleTimer);
    this.process.ref();
    this.process.channel?.ref();
  }

  /** Idle: it does not keep this process alive, and `expire` runs once it has been idle for `ms`. */
  letGo(ms: number, expire: () => void): void {
    this.process.unref();
    this.process.channel?.unref();
    this.idleTimer = setTimeout(expire, ms);
    this.idleTimer.unref();
  }

  /** Neither ended nor being killed: it can take another request. */
  get alive(): boolean {
    return this.ended === undefined && !this.killed;
  }

  static start(): Promise<InspectorChild> {
    const child = fork(CHILD, [], {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // What a template sees at load time: the allowlist a step gets, never the server's credentials.
      env: pickEnvironment(process.env, [...BASE_ENVIRONMENT, ...passedThrough(process.env)]),
    });
    const inspector = new InspectorChild(child);
    return new Promise((resolve, reject) => {
      const onReady = (message: { ready?: boolean }) => {
        if (!message.ready) return;
        child.off('message', onReady);
        child.off('exit', onExit);
        resolve(inspector);
      };
      const onExit = () =>
        reject(
          new TemplateError([
            { file: CHILD, path: '', message: `the template inspector did not start: ${inspector.stderr.trim()}` },
          ]),
        );
      child.on('message', onReady);
      child.once('exit', onExit);
    });
  }

  /** One request; a child that does not answer within `timeoutMs` is killed, and the reply says so. */
  ask(request: InspectionRequest, timeoutMs: number): Promise<InspectionReply> {
    const file = request.file;
    this.current = file;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.answer = undefined;
        this.close();
        resolve(
          failure(
            file,
            `loading took longer than ${timeoutMs} ms (an endless loop, or a top-level await that never settles?); templates must load quickly`,
          ),
        );
      }, timeoutMs);
      this.answer = (reply) => {
        clearTimeout(timer);
        this.answer = undefined;
        resolve(reply);
      };
      this.process.send(request, (error) => {
        if (error) this.answer?.(this.diedReply(null, null));
      });
    });
  }

  private diedReply(code: number | null, signal: NodeJS.Signals | null): InspectionReply {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const said = this.stderr.trim().split('\n').at(-1);
    return failure(
      this.current,
      `the process loading it ${how}${said ? ` (${said})` : ''}; a template must not end or crash the process`,
    );
  }

  close(): void {
    if (!this.alive) return;
    this.killed = true;
    this.process.kill('SIGKILL');
  }
}

function failure(file: string, message: string): InspectionReply {
  return { ok: false, template: [{ file, path: '', message }] };
}
