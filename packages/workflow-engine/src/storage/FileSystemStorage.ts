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

  async openStepLog(stepId: string): Promise<StepLog> {
    await mkdir(this.logsDir(stepId), { recursive: true });
    return new StepLog((type) => this.logPath(stepId, type));
  }
}

/** One step's log files: JSON documents written whole, events appended as they arrive. */
export class StepLog {
  private events: WriteStream | undefined;

  constructor(private readonly pathOf: (type: StepLogType) => string) {}

  writeInput(input: unknown): Promise<void> {
    return writeFileAtomic(this.pathOf('input'), JSON.stringify(input, null, 2));
  }

  writeOutput(output: unknown): Promise<void> {
    return writeFileAtomic(this.pathOf('output'), JSON.stringify(output, null, 2));
  }

  writeSummary(markdown: string): Promise<void> {
    return writeFileAtomic(this.pathOf('summary'), markdown);
  }

  appendEvent(event: Record<string, unknown>): void {
    this.events ??= createWriteStream(this.pathOf('events'), { flags: 'a' });
    this.events.write(`${JSON.stringify({ ts: new Date().toISOString(), ...event })}\n`);
  }

  async close(): Promise<void> {
    const events = this.events;
    this.events = undefined;
    if (events) await new Promise<void>((resolve) => events.end(resolve));
  }
}
