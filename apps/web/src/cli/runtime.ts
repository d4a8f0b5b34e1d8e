/**
 * Executing a run in the foreground of the command line: the executor wired to the project's store, progress
 * printing, and Ctrl-C as "pause now" — a durable run is never lost to a closed terminal.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createAgentRunner } from '@switchyard/agent-cli-sdk';
import { createExecutor, ExecutionFiles, loadTemplate } from '@switchyard/workflow-engine';
import type { WorkflowDefinition, WorkflowRun } from '@switchyard/workflow-engine';
import { UsageError } from './errors.ts';
import { exitCodeForStatus } from './exitCodes.ts';
import { followPrinter, formatDuration } from './follow.ts';
import type { Writer } from './follow.ts';
import { openRunStore } from './project.ts';
import type { Project } from './project.ts';
import { describeRun, runView } from './runView.ts';

export interface Io {
  stdout: Writer;
  stderr: Writer;
}

export interface ForegroundOptions {
  follow: boolean;
  json: boolean;
}

/** Short enough that a crashed command line's run is picked up again soon; renewed every third of it. */
const leaseTtlMs = () => Number(process.env.SWITCHYARD_LEASE_TTL_MS ?? 10_000);

export function commandLineExecutor(project: Project, io: Io, options: ForegroundOptions) {
  // With --json, stdout carries exactly one JSON document; progress goes to stderr.
  const progressOut = options.json ? io.stderr : io.stdout;
  return createExecutor({
    store: openRunStore(project),
    events: options.follow ? followPrinter(progressOut) : undefined,
    agents: createAgentRunner(),
    executionsDir: project.executionsDir,
    workingDir: project.dir,
    leaseTtlMs: leaseTtlMs(),
    onLog: options.follow ? (_, message) => progressOut.write(`    ${message}\n`) : undefined,
  });
}

/** The template a run is pinned to: the copy of its source taken at start, not the file as it is now. */
export async function loadPinnedDefinition(project: Project, runId: string): Promise<WorkflowDefinition> {
  const files = new ExecutionFiles(project.executionsDir, runId);
  const snapshot = await files.readDefinition().catch(() => {
    throw new UsageError(`run ${runId} has no definition snapshot in ${files.dir}`);
  });
  return loadTemplate(files.pinnedSourcePath(snapshot));
}

/**
 * Executes a run here until it stops, then reports it. Waits for the lease of a worker that died (its lease runs
 * out within the lease time); gives up if a live worker keeps renewing it.
 */
export async function executeInForeground(
  project: Project,
  runId: string,
  definition: WorkflowDefinition,
  io: Io,
  options: ForegroundOptions,
): Promise<number> {
  const executor = commandLineExecutor(project, io, options);
  const progressOut = options.json ? io.stderr : io.stdout;
  const started = Date.now();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    progressOut.write(`\npausing ${runId} (Ctrl-C again to quit at once; the run stays resumable)\n`);
    void executor.pause(runId, { now: true }).catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let run = await executor.execute(runId, definition);
    const deadline = Date.now() + leaseTtlMs() + 2_000;
    while (isHeldElsewhere(run) && Date.now() < deadline) {
      if (options.follow) progressOut.write(`run ${runId} is held by ${run.lease?.owner}; waiting for its lease…\n`);
      await sleep(Math.max(100, Math.min(1_000, (run.lease?.expiresAt ?? 0) - Date.now() + 50)));
      run = await executor.execute(runId, definition);
    }
    if (isHeldElsewhere(run)) {
      throw new UsageError(
        `run ${runId} is being executed by ${run.lease?.owner}; pause or cancel it from here instead`,
      );
    }
    return await report(executor.store, run, io, options, Date.now() - started);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function isHeldElsewhere(run: WorkflowRun): boolean {
  return (run.status === 'running' || run.status === 'pending') && run.lease !== null;
}

async function report(
  store: ReturnType<typeof openRunStore>,
  run: WorkflowRun,
  io: Io,
  options: ForegroundOptions,
  tookMs: number,
): Promise<number> {
  const view = await runView(store, run);
  if (options.json) io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  else if (options.follow) io.stdout.write(`${run.status} in ${formatDuration(tookMs)} — run ${run.id}\n${hint(run)}`);
  else io.stdout.write(describeRun(view));
  return exitCodeForStatus(run.status);
}

function hint(run: WorkflowRun): string {
  if (run.status === 'paused') return `resume with: switchyard resume ${run.id}\n`;
  if (run.status === 'waiting') return `approve the gate of "${run.waitingGate}" with: switchyard advance ${run.id}\n`;
  if (run.status === 'failed') return `after fixing the cause, retry with: switchyard resume ${run.id}\n`;
  return '';
}
