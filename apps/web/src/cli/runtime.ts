/**
 * Executing a run in the foreground of the command line: the executor on the project's database, progress
 * printing, and waiting out the lease of a worker that died.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createAgentRunner } from '@switchyard/agent-cli-sdk';
import { createExecutor, ExecutionFiles, loadPinnedTemplate } from '@switchyard/workflow-engine';
import type {
  AgentSessionStore,
  EventSink,
  RunStore,
  WorkflowDefinition,
  WorkflowExecutor,
  WorkflowRun,
} from '@switchyard/workflow-engine';
import type { Io } from './command.ts';
import { UsageError } from './errors.ts';
import { followPrinter } from './follow.ts';
import type { Project } from './project.ts';
import { reportRun, runView } from './runView.ts';

export interface ForegroundOptions {
  follow: boolean;
  json: boolean;
}

/** What an executor here works on: the project's runs in the database. */
export interface ExecutionTarget {
  project: Project;
  store: RunStore;
  agentSessions: AgentSessionStore;
  /** Another listener for the engine's events (the WebSocket of the API this process shares). */
  events?: EventSink;
}

/** Short enough that a crashed command line's run is picked up again soon; renewed every third of it. */
const leaseTtlMs = () => Number(process.env.SWITCHYARD_LEASE_TTL_MS ?? 10_000);

/** With --json, stdout carries exactly one JSON document; progress goes to stderr. */
export const progressWriter = (io: Io, options: ForegroundOptions) => (options.json ? io.stderr : io.stdout);

export function commandLineExecutor(target: ExecutionTarget, io: Io, options: ForegroundOptions): WorkflowExecutor {
  const progressOut = progressWriter(io, options);
  const sinks = [options.follow ? followPrinter(progressOut) : undefined, target.events].filter(
    (sink): sink is EventSink => sink !== undefined,
  );
  return createExecutor({
    store: target.store,
    events: { emit: (event) => sinks.forEach((sink) => sink.emit(event)) },
    agents: createAgentRunner(),
    agentSessions: target.agentSessions,
    executionsDir: target.project.executionsDir,
    workingDir: target.project.dir,
    leaseTtlMs: leaseTtlMs(),
    onLog: options.follow ? (_, message) => progressOut.write(`    ${message}\n`) : undefined,
  });
}

/** The template a run is pinned to: the copy of its source taken at start, not the file as it is now. */
export function loadPinnedDefinition(project: Project, runId: string): Promise<WorkflowDefinition> {
  return loadPinnedTemplate(new ExecutionFiles(project.executionsDir, runId));
}

/**
 * Executes a run here until it stops, then reports it. Waits for the lease of a worker that died (its lease runs
 * out within the lease time); gives up if a live worker keeps renewing it.
 */
export async function executeInForeground(
  executor: WorkflowExecutor,
  runId: string,
  definition: WorkflowDefinition,
  io: Io,
  options: ForegroundOptions,
): Promise<number> {
  const progressOut = progressWriter(io, options);
  const started = Date.now();
  let run = await executor.execute(runId, definition);
  const deadline = Date.now() + leaseTtlMs() + 2_000;
  while (isHeldElsewhere(run) && Date.now() < deadline) {
    if (options.follow) progressOut.write(`run ${runId} is held by ${run.lease?.owner}; waiting for its lease…\n`);
    await sleep(Math.max(100, Math.min(1_000, (run.lease?.expiresAt ?? 0) - Date.now() + 50)));
    run = await executor.execute(runId, definition);
  }
  if (isHeldElsewhere(run)) {
    throw new UsageError(`run ${runId} is being executed by ${run.lease?.owner}; pause or cancel it from here instead`);
  }
  return reportRun(await runView(executor.store, run), io, options, Date.now() - started);
}

function isHeldElsewhere(run: WorkflowRun): boolean {
  return (run.status === 'running' || run.status === 'pending') && run.lease !== null;
}
