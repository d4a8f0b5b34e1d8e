/** Talking to the process that holds the project's database: finding it through `server.json`, and requests. */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { isProcessAlive } from '@switchyard/workflow-engine';
import { ServerRequestError } from '../errors.ts';
import { ErrorEnvelope } from '../protocol/common.ts';
import { projectLayout } from '../server/domain/project/projectLayout.ts';

export interface ServerClient {
  url: string;
  /** The project of the directory the server was found in. */
  projectId: string;
  token: string | undefined;
  /** The answer's JSON; a non-2xx answer or no answer throws {@link ServerRequestError}. */
  request(method: 'GET' | 'POST', path: string, body?: object, options?: { timeoutMs?: number }): Promise<unknown>;
}

/** What `serve` (and a command line sharing its runs) writes to `.agent/db/server.json`. */
const ServerFile = z.object({ pid: z.number().int().positive(), url: z.url(), project_id: z.guid() });

/** 4xx answers that mean "what you asked for is wrong here": bad input, no such thing, not in this state. */
const REJECTED = new Set([400, 401, 403, 404, 409, 422]);
const REQUEST_TIMEOUT_MS = 30_000;
/**
 * Long enough for a command line that executes a run to build the API it shares the run through, which it does at
 * the first connection (`sharedApi.ts`): a second or two on a busy machine.
 */
const HEALTH_TIMEOUT_MS = 10_000;

function serverClient(url: string, projectId: string, token = process.env.SWITCHYARD_TOKEN || undefined): ServerClient {
  return {
    url,
    projectId,
    token,
    async request(method, path, body, { timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
      let response: Response;
      try {
        response = await fetch(new URL(path, url), {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
        throw new ServerRequestError('server_unreachable', `the server at ${url} did not answer: ${cause}`);
      }
      const json = await response
        .text()
        .then((text) => (text ? (JSON.parse(text) as unknown) : null))
        .catch(() => null);
      if (response.ok) return json;
      const apiError = ErrorEnvelope.safeParse(json);
      const message = apiError.success ? apiError.data.error.message : `HTTP ${response.status}`;
      throw new ServerRequestError(
        REJECTED.has(response.status) ? 'server_rejected' : 'server_failed',
        `the server at ${url} answered: ${message}`,
        response.status,
        apiError.success ? apiError.data.error.code : null,
      );
    },
  };
}

/**
 * The server announced in the project's `server.json`, if its process is alive on this host and it answers;
 * a file left by a process that died (kill -9) names nobody.
 */
export async function findServer(projectDir: string): Promise<ServerClient | undefined> {
  const announced = ServerFile.safeParse(
    await readFile(projectLayout(projectDir).serverFile, 'utf8')
      .then((text) => JSON.parse(text) as unknown)
      .catch(() => null),
  );
  if (!announced.success || !isProcessAlive(announced.data.pid)) return undefined;
  const client = serverClient(announced.data.url, announced.data.project_id);
  try {
    await client.request('GET', '/api/health', undefined, { timeoutMs: HEALTH_TIMEOUT_MS });
    return client;
  } catch (error) {
    // A server that refuses our token is still the holder: its answer (401) is what the user needs to see.
    if (error instanceof ServerRequestError && error.code === 'server_rejected') return client;
    return undefined;
  }
}
