/**
 * A run's execution directory:
 *
 * ```
 * executions/{runId}/
 *   definition.json, args.json   immutable snapshot taken at start
 *   workspace.json               where the run's steps work: in place, or its git worktree and branch
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
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SnapshotImmutableError } from '../errors.ts';
import type { DefinitionSnapshot } from '../types/workflow.ts';
import type { WorkspaceRecord } from '../workspace/worktree.ts';
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
    // Recursive only up to the executions folder: a recursive mkdir reports a read-only file system as ENOENT.
    await mkdir(this.executionsDir, { recursive: true });
    for (const dir of [this.dir, ...['checkpoints', 'artifacts', 'logs', 'source'].map((sub) => join(this.dir, sub))]) {
      await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
  }

  /**
   * Writes the immutable start snapshot; a second write is an error, never an overwrite. The snapshot is the first
   * thing in a run's directory and no run exists before it is whole: a snapshot that cannot be written (a full disk)
   * takes its directory with it, rather than leave one that looks like a run.
   */
  async writeSnapshot(definition: DefinitionSnapshot, args: unknown, sourceText: string): Promise<void> {
    try {
      await this.create();
      await this.writeOnce('definition.json', JSON.stringify(definition, null, 2));
      await this.writeOnce('args.json', JSON.stringify(args ?? null, null, 2));
      await this.writeOnce(join('source', basename(definition.source.path)), sourceText);
    } catch (error) {
      if (!(error instanceof SnapshotImmutableError)) await rm(this.dir, { recursive: true, force: true });
      throw error;
    }
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

  /** Records the run's workspace, once, before the run exists. */
  async writeWorkspace(workspace: WorkspaceRecord): Promise<void> {
    await this.writeOnce('workspace.json', JSON.stringify(workspace, null, 2));
  }

  /** The run's workspace; a run started before workspaces existed works in place. */
  async readWorkspace(): Promise<WorkspaceRecord> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'workspace.json'), 'utf8')) as WorkspaceRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { mode: 'in-place' };
      throw error;
    }
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
      this.write(this.events, line);
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
    for (const line of this.held) this.write(this.events, line);
    this.held = [];
  }

  private write(events: WriteStream, line: string): void {
    if (this.failure) return;
    // Heard here as well as by 'error', which may come only after the stream has ended.
    events.write(line, (error) => {
      if (error) this.failure ??= error;
    });
  }

  /**
   * Waits until everything appended is on disk; rejects if a write failed, after cutting the file back to its last
   * whole line, so that no torn line is read back.
   */
  async close(): Promise<void> {
    await this.ready;
    if (this.held.length > 0) this.openEvents();
    const events = this.events;
    this.events = undefined;
    if (events) await new Promise<void>((resolve) => events.end(resolve));
    if (this.failure) {
      if (events) await cutToLastLine(this.pathOf('events')).catch(() => undefined);
      throw this.failure;
    }
  }
}

/** Cuts a file of lines back to its last newline: what a failed append left of its last line goes. */
async function cutToLastLine(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    for (let end = size; end > 0;) {
      const start = Math.max(0, end - 64 * 1024);
      const chunk = Buffer.alloc(end - start);
      await file.read(chunk, 0, chunk.length, start);
      const newline = chunk.lastIndexOf(10);
      if (newline >= 0) return await file.truncate(start + newline + 1);
      end = start;
    }
    await file.truncate(0);
  } finally {
    await file.close();
  }
}
