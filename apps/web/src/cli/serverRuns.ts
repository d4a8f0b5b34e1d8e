/**
 * The project's runs through the HTTP API of the process holding its database. That process executes them; here
 * a command starts or controls a run, then polls it until it stops, printing progress with --follow.
 */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import type { Io } from './command.ts';
import { ServerRequestError, UsageError } from './errors.ts';
import { ApiDefinitions, ApiRun, ApiRunPage, runSummaryFromApi, runViewFromApi } from './apiRun.ts';
import { snapshotPrinter } from './follow.ts';
import type { Project } from './project.ts';
import type { ProjectRuns, RunSummary } from './projectRuns.ts';
import { reportRun } from './runView.ts';
import { pausingMessage, resumeNeedsRequest, STOPPED_STATUSES } from './runStates.ts';
import { progressWriter } from './runtime.ts';
import type { ForegroundOptions } from './runtime.ts';
import type { ServerClient } from './serverClient.ts';

const POLL_MS = 300;
const PAGE_SIZE = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function serverRuns(server: ServerClient, project: Project, io: Io): ProjectRuns {
  let following: { runId: string; output: ForegroundOptions } | undefined;

  function parse<S extends z.ZodType>(schema: S, json: unknown): z.infer<S> {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    throw new ServerRequestError(
      'server_failed',
      `the server at ${server.url} answered unexpectedly: ${parsed.error.message}`,
    );
  }

  /** A request about one run; a run the server does not know is the usual "no run". */
  async function onRun(runId: string, method: 'GET' | 'POST', action = '', body?: object): Promise<ApiRun> {
    const noRun = () => new UsageError(`no run ${runId} on the server at ${server.url}`);
    if (!UUID.test(runId)) throw noRun();
    try {
      const path = `/api/workflow-executions/${runId}${action && `/${action}`}`;
      return parse(ApiRun, await server.request(method, path, body ?? (method === 'POST' ? {} : undefined)));
    } catch (error) {
      if (error instanceof ServerRequestError && error.apiCode === 'not_found') throw noRun();
      throw error;
    }
  }

  /** Polls a run until it stops, then reports it like a run executed here. */
  async function follow(runId: string, output: ForegroundOptions): Promise<number> {
    const started = Date.now();
    const print = output.follow ? snapshotPrinter(progressWriter(io, output)) : undefined;
    following = { runId, output };
    try {
      for (;;) {
        const run = await onRun(runId, 'GET');
        print?.(run);
        if (STOPPED_STATUSES.has(run.status)) return reportRun(runViewFromApi(run), io, output, Date.now() - started);
        await sleep(POLL_MS);
      }
    } finally {
      following = undefined;
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
    async start(definition, args, name, output) {
      requireProjectTemplate(definition.source.path);
      const definitions = parse(ApiDefinitions, await server.request('GET', '/api/workflow-definitions')).data;
      const row = definitions.find((d) => d.identifier === definition.id);
      if (!row)
        throw new UsageError(
          `the server at ${server.url} does not list template "${definition.id}" yet; try again in a moment`,
        );
      const created = parse(
        ApiRun,
        await server.request('POST', '/api/workflow-executions', { workflow_definition_id: row.id, args, name }),
      );
      progressWriter(io, output).write(`started run ${created.id} of ${definition.id}\n`);
      return follow(created.id, output);
    },

    async resume(runId, output) {
      const run = await onRun(runId, 'GET');
      if (resumeNeedsRequest(runId, run.status, run.waiting_gate)) await onRun(runId, 'POST', 'resume');
      return follow(runId, output);
    },

    async advance(runId, output) {
      await onRun(runId, 'POST', 'advance');
      return follow(runId, output);
    },

    async rerun(runId, phase, output) {
      await onRun(runId, 'POST', 'rerun', { phase });
      return follow(runId, output);
    },

    pause: async (runId, now) => (await onRun(runId, 'POST', 'pause', { now })).status,
    cancel: async (runId) => (await onRun(runId, 'POST', 'cancel')).status,
    view: async (runId) => runViewFromApi(await onRun(runId, 'GET')),

    async list(status) {
      const runs: RunSummary[] = [];
      for (;;) {
        const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(runs.length) });
        if (status) query.set('status', status);
        const page = parse(ApiRunPage, await server.request('GET', `/api/workflow-executions?${query}`));
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
