/**
 * The project's runs through the HTTP API of the process holding its database. That process executes them; here
 * a command starts or controls a run, then follows the run's events over the WebSocket until it stops, printing
 * them with --follow as a run executed here would be.
 */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { ServerRequestError, UsageError } from '../errors.ts';
import type { WorkflowEvent } from '../protocol/events.ts';
import { FollowUpResponse } from '../protocol/followUps.ts';
import { MergeAnswer, RunDetail, RunPage } from '../protocol/runs.ts';
import { WorkflowDefinitionList } from '../protocol/templates.ts';
import { parseArgValues } from './argValues.ts';
import { openEventStream } from './eventStream.ts';
import { followPrinter } from './follow.ts';
import { progressWriter } from './io.ts';
import type { Io, OutputOptions } from './io.ts';
import type { Project } from './project.ts';
import type { ProjectRuns } from './projectRuns.ts';
import { reportRun, runSummaryFromApi, runViewFromApi } from './runView.ts';
import type { RunSummary } from './runView.ts';
import { pausingMessage, resumeNeedsRequest, STOPPED_STATUSES } from './runStates.ts';
import type { ServerClient } from './serverClient.ts';

const PAGE_SIZE = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function serverRuns(server: ServerClient, project: Project, io: Io): ProjectRuns {
  let following: { runId: string; output: OutputOptions } | undefined;

  function parse<S extends z.ZodType>(schema: S, json: unknown): z.infer<S> {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    throw new ServerRequestError(
      'server_failed',
      `the server at ${server.url} answered unexpectedly: ${parsed.error.message}`,
    );
  }

  /** A request about one run; a run the server does not know is the usual "no run". */
  async function onRun(runId: string, method: 'GET' | 'POST', action = '', body?: object): Promise<RunDetail> {
    const noRun = () => new UsageError(`no run ${runId} on the server at ${server.url}`);
    if (!UUID.test(runId)) throw noRun();
    try {
      const path = `/api/workflow-executions/${runId}${action && `/${action}`}`;
      return parse(RunDetail, await server.request(method, path, body ?? (method === 'POST' ? {} : undefined)));
    } catch (error) {
      if (error instanceof ServerRequestError && error.apiCode === 'not_found') throw noRun();
      throw error;
    }
  }

  /**
   * Subscribes to the project's events, then acts (`act` answers the run's id) and follows the run until it
   * stops; reports it like a run executed here. Events come in order, so the status change that stops the run
   * arrives after everything the run did before it.
   */
  async function follow(output: OutputOptions, act: () => Promise<string>): Promise<number> {
    const started = Date.now();
    const print = output.follow ? followPrinter(progressWriter(io, output)) : undefined;
    let runId: string | undefined;
    const early: WorkflowEvent[] = [];
    let stop!: () => void;
    let lose!: (error: Error) => void;
    const stopped = new Promise<void>((resolve, reject) => {
      stop = resolve;
      lose = reject;
    });
    const handle = (event: WorkflowEvent) => {
      if (event.data.execution_id !== runId) return;
      print?.(event);
      if (event.type === 'workflow.execution.status_changed' && STOPPED_STATUSES.has(event.data.status)) stop();
    };
    const stream = await openEventStream(server, server.projectId, {
      onEvent: (event) => (runId ? handle(event) : early.push(event)),
      // Events were lost: the run's state tells whether it stopped meanwhile.
      onResync: () => {
        if (!runId) return;
        void onRun(runId, 'GET').then((run) => STOPPED_STATUSES.has(run.status) && stop(), lose);
      },
      onLost: lose,
    });
    try {
      runId = await act();
      following = { runId, output };
      early.splice(0).forEach(handle);
      await stopped;
      return reportRun(runViewFromApi(await onRun(runId, 'GET')), io, output, Date.now() - started);
    } finally {
      following = undefined;
      stream.close();
    }
  }

  /** The server runs templates from the project's definitions folder only: it lists and pins those. */
  function requireProjectTemplate(file: string): void {
    const real = (path: string) => {
      try {
        return realpathSync(path);
      } catch {
        return path;
      }
    };
    if (dirname(real(file)) !== real(project.definitionsDir)) {
      throw new UsageError(
        `${file} is not in the project's definitions folder, and the server at ${server.url} (which holds the ` +
          `project's database) runs only templates from ${project.definitionsDir}: copy it into ` +
          '.agent/workflows/definitions/ and run it by name',
      );
    }
  }

  return {
    async start(definition, args, { name, workspace, base }, output) {
      requireProjectTemplate(definition.source.path);
      const definitions = parse(WorkflowDefinitionList, await server.request('GET', '/api/workflow-definitions')).data;
      const row = definitions.find((d) => d.identifier === definition.id);
      if (!row)
        throw new UsageError(
          `the server at ${server.url} does not list template "${definition.id}" yet; try again in a moment`,
        );
      return follow(output, async () => {
        const created = parse(
          RunDetail,
          await server.request('POST', '/api/workflow-executions', {
            workflow_definition_id: row.id,
            args,
            name,
            ...(workspace ? { workspace } : {}),
            ...(base ? { base } : {}),
          }),
        );
        progressWriter(io, output).write(`started run ${created.id} of ${definition.id}\n`);
        return created.id;
      });
    },

    async resume(runId, output) {
      const run = await onRun(runId, 'GET');
      const request = resumeNeedsRequest(runId, run.status, run.waiting_gate);
      return follow(output, async () => {
        if (request) await onRun(runId, 'POST', 'resume');
        return runId;
      });
    },

    advance: (runId, output) => follow(output, async () => (await onRun(runId, 'POST', 'advance')).id),
    rerun: (runId, phase, output) => follow(output, async () => (await onRun(runId, 'POST', 'rerun', { phase })).id),

    async answer(runId, pairs, step, output) {
      const run = await onRun(runId, 'GET');
      const waiting = run.steps.find(
        (s) => s.type === 'input' && s.status === 'running' && (step === undefined || s.step_id === step),
      );
      const schema = ((waiting?.input ?? {}) as { schema?: Record<string, unknown> }).schema ?? {};
      const values = parseArgValues(schema, pairs, undefined);
      return follow(output, async () => (await onRun(runId, 'POST', 'input', { step_id: step, values })).id);
    },

    async fork(runId, step, output) {
      const run = await onRun(runId, 'GET');
      const record = run.steps.find((s) => s.id === step.toLowerCase()) ?? run.steps.find((s) => s.step_id === step);
      if (!record) throw new UsageError(`run ${runId} has no step ${step}`);
      return follow(output, async () => {
        const fork = await onRun(runId, 'POST', 'fork', { from_step_id: record.id });
        progressWriter(io, output).write(`forked run ${fork.id} from run ${runId} at step ${step}\n`);
        return fork.id;
      });
    },

    async followUp(runId, step, message) {
      const run = await onRun(runId, 'GET');
      const record = run.steps.find((s) => s.id === step.toLowerCase()) ?? run.steps.find((s) => s.step_id === step);
      if (!record) throw new UsageError(`run ${runId} has no step ${step}`);
      return parse(
        FollowUpResponse,
        await server.request('POST', `/api/workflow-steps/${record.id}/follow-up`, { message }),
      );
    },

    requestChanges: (runId, comment, output) =>
      follow(output, async () => (await onRun(runId, 'POST', 'request-changes', { comment })).id),

    async merge(runId) {
      if (!UUID.test(runId)) throw new UsageError(`no run ${runId} on the server at ${server.url}`);
      try {
        const answer = await server.request('POST', `/api/workflow-executions/${runId}/merge`, {});
        const { run: _detail, ...merged } = parse(MergeAnswer, answer);
        return merged;
      } catch (error) {
        if (error instanceof ServerRequestError && error.apiCode === 'not_found') {
          throw new UsageError(`no run ${runId} on the server at ${server.url}`);
        }
        throw error;
      }
    },

    pause: async (runId, now) => (await onRun(runId, 'POST', 'pause', { now })).status,
    cancel: async (runId) => (await onRun(runId, 'POST', 'cancel')).status,
    view: async (runId) => runViewFromApi(await onRun(runId, 'GET')),

    async list(status) {
      const runs: RunSummary[] = [];
      for (;;) {
        const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(runs.length) });
        if (status) query.set('status', status);
        const page = parse(RunPage, await server.request('GET', `/api/workflow-executions?${query}`));
        runs.push(...page.data.map(runSummaryFromApi));
        if (page.data.length === 0 || runs.length >= page.pagination.total) return runs;
      }
    },

    interrupt() {
      if (!following) return false;
      const { runId, output } = following;
      progressWriter(io, output).write(pausingMessage(runId));
      void onRun(runId, 'POST', 'pause', { now: true }).catch(() => undefined);
      return true;
    },

    close: async () => undefined,
  };
}
