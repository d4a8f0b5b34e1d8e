/**
 * A run's execution directory:
 *
 * ```
 * executions/{runId}/
 *   definition.json, args.json   immutable snapshot taken at start
 *   source/{template file}       the template text the run is pinned to
 *   checkpoints/                 one JSON per committed step
 *   artifacts/{stepId}/          uploaded and produced files
 *   logs/{stepId}/               input.json, output.json, events.jsonl, summary.md
 * ```
 *
 * Step ids are validated slugs, so they are safe as directory names; nothing else from outside becomes a path.
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SnapshotImmutableError } from '../errors.ts';
import type { DefinitionSnapshot } from '../types/workflow.ts';
import { createFileExclusive, writeFileAtomic } from './atomicFile.ts';

export type StepLogType = 'input' | 'output' | 'events' | 'summary';

const LOG_FILE_NAMES: Record<StepLogType, string> = {
  input: 'input.json',
  output: 'output.json',
  events: 'events.jsonl',
  summary: 'summary.md',
};

export class ExecutionFiles {
  readonly dir: string;

  constructor(
    readonly executionsDir: string,
    readonly runId: string,
  ) {
    if (!/^[\w-]+$/.test(runId)) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
    this.dir = join(executionsDir, runId);
  }

  get checkpointsDir(): string {
    return join(this.dir, 'checkpoints');
  }

  artifactsDir(stepId: string): string {
    return join(this.dir, 'artifacts', stepId);
  }

  logsDir(stepId: string): string {
    return join(this.dir, 'logs', stepId);
  }

  logPath(stepId: string, type: StepLogType): string {
    return join(this.logsDir(stepId), LOG_FILE_NAMES[type]);
  }

  async create(): Promise<void> {
    for (const sub of ['checkpoints', 'artifacts', 'logs', 'source']) {
      await mkdir(join(this.dir, sub), { recursive: true });
    }
  }

  /** Writes the immutable start snapshot; a second write is an error, never an overwrite. */
  async writeSnapshot(definition: DefinitionSnapshot, args: unknown, sourceText: string): Promise<void> {
    await this.create();
    await this.writeOnce('definition.json', JSON.stringify(definition, null, 2));
    await this.writeOnce('args.json', JSON.stringify(args ?? null, null, 2));
    await this.writeOnce(join('source', basename(definition.source.path)), sourceText);
  }

  private async writeOnce(relative: string, content: string): Promise<void> {
    if (!(await createFileExclusive(join(this.dir, relative), content))) throw new SnapshotImmutableError(relative);
  }

  async readDefinition(): Promise<DefinitionSnapshot> {
    return JSON.parse(await readFile(join(this.dir, 'definition.json'), 'utf8')) as DefinitionSnapshot;
  }

  async readArgs(): Promise<unknown> {
    return JSON.parse(await readFile(join(this.dir, 'args.json'), 'utf8'));
  }

  /** The pinned copy of the template's source, which a resumed run loads instead of the live file. */
  pinnedSourcePath(definition: DefinitionSnapshot): string {
    return join(this.dir, 'source', basename(definition.source.path));
  }

  stepLog(stepId: string): StepLog {
    return new StepLog(this.logsDir(stepId), (type) => this.logPath(stepId, type));
  }
}

/** One step's log files: JSON documents written whole, events appended as they arrive. */
/**
 * One step's log files: JSON documents written whole, events appended as they arrive. Usable at once: the
 * directory is made in the background and every write waits for it; events arriving before it exists are held.
 */
export class StepLog {
  private readonly ready: Promise<void>;
  private events: WriteStream | undefined;
  private held: string[] = [];
  private failure: Error | undefined;

  constructor(
    dir: string,
    private readonly pathOf: (type: StepLogType) => string,
  ) {
    this.ready = mkdir(dir, { recursive: true }).then(() => undefined);
  }

  writeInput(input: unknown): Promise<void> {
    return this.ready.then(() => writeFileAtomic(this.pathOf('input'), JSON.stringify(input, null, 2)));
  }

  writeOutput(output: unknown): Promise<void> {
    return this.ready.then(() => writeFileAtomic(this.pathOf('output'), JSON.stringify(output, null, 2)));
  }

  writeSummary(markdown: string): Promise<void> {
    return this.ready.then(() => writeFileAtomic(this.pathOf('summary'), markdown));
  }

  appendEvent(event: Record<string, unknown>): void {
    const line = `${JSON.stringify({ ts: new Date().toISOString(), ...event })}\n`;
    if (this.events) {
      this.events.write(line);
      return;
    }
    this.held.push(line);
    if (this.held.length === 1)
      void this.ready.then(
        () => this.openEvents(),
        () => undefined,
      );
  }

  private openEvents(): void {
    if (!this.events) {
      this.events = createWriteStream(this.pathOf('events'), { flags: 'a' });
      this.events.on('error', (error) => (this.failure ??= error));
    }
    for (const line of this.held) this.events.write(line);
    this.held = [];
  }

  /** Waits until everything appended is on disk; rejects if a write failed. */
  async close(): Promise<void> {
    await this.ready;
    if (this.held.length > 0) this.openEvents();
    const events = this.events;
    this.events = undefined;
    if (events) await new Promise<void>((resolve) => events.end(resolve));
    if (this.failure) throw this.failure;
  }
}
