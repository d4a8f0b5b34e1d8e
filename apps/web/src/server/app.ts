/**
 * The HTTP application: every route plugin, the WebSocket and one error handler, over dependencies it is given.
 * `buildApp` never listens; `serve.ts` does, and tests use `app.inject` or listen on port 0.
 */
import Fastify, { LogController } from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from './db/connection.ts';
import { projects } from './db/schema.ts';
import type { WorkflowServiceDeps } from './domain/workflow/services/deps.ts';
import { registerAuthentication } from './http/authentication.ts';
import { clientErrorHandler, frameworkErrors, registerErrorHandler } from './http/errorHandler.ts';
import { allowedHostNames, registerRequestGuards } from './http/requestGuards.ts';
import { projectRoutes } from './routes/projects.ts';
import { workflowArtifactRoutes } from './routes/workflow-artifacts.ts';
import { workflowCommentRoutes } from './routes/workflow-comments.ts';
import { workflowDefinitionRoutes } from './routes/workflow-definitions.ts';
import { workflowStepRoutes } from './routes/workflow-steps.ts';
import { workflowStepFollowUpRoutes } from './routes/workflow-step-follow-ups.ts';
import { workflowRequestChangesRoutes } from './routes/workflow-request-changes.ts';
import { workflowDiffRoutes } from './routes/workflow-diffs.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { eventRoutes } from './routes/events.ts';
import { boardRoutes } from './routes/board.ts';
import { clientRoutes } from './routes/client.ts';
import { websocketRoutes } from './websocket/websocketRoutes.ts';

export interface AppDeps extends WorkflowServiceDeps {
  database: DatabaseHandle;
  /** The project a request that names none is about: the directory the server started in. */
  defaultProjectId: string;
  maxUploadBytes?: number;
  /** When set, every request must carry it (see `http/authentication.ts`). */
  token?: string;
  /** Host names the server answers to (`allowedHostNames`); loopback names when not given. */
  allowedHosts?: readonly string[];
  logger?: FastifyServerOptions['logger'];
}

/** On every answer: no sniffing, no framing, no referrers, and a page that runs only this server's own scripts. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    // Style attributes: the board's accessible primitives position popovers with them.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
};

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Open keep-alive connections would otherwise hold `close()` for the keep-alive timeout.
  const app = Fastify({
    logger: deps.logger ?? false,
    // One line per request, written when it is answered (below), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    frameworkErrors,
    clientErrorHandler,
  });
  registerErrorHandler(app);

  registerRequestGuards(app, deps.allowedHosts ?? allowedHostNames('127.0.0.1'));
  if (deps.token) registerAuthentication(app, deps.token);
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  // An upgrade that gets an ordinary answer (unknown path, refused, not a WebSocket route) was never taken over by
  // the WebSocket server; left alone its socket would stay open for good, and enough of them exhaust descriptors.
  app.addHook('onResponse', async (request, reply) => {
    if (request.headers.upgrade !== undefined && reply.statusCode !== 101) request.raw.socket?.destroy();
  });

  const { db } = deps;
  const projectExists = async (id: string) =>
    (await db.select({ id: projects.id }).from(projects).where(eq(projects.id, id))).length > 0;

  app.get('/api/health', async () => ({ status: 'ok', database: deps.database.kind }));
  await app.register(clientRoutes, { defaultProjectId: deps.defaultProjectId });
  await app.register(boardRoutes, { db, defaultProjectId: deps.defaultProjectId });
  await app.register(projectRoutes, { db, defaultProjectId: deps.defaultProjectId });
  await app.register(workflowDefinitionRoutes, { db, defaultProjectId: deps.defaultProjectId });
  await app.register(workflowRoutes, { ...deps });
  await app.register(eventRoutes, { ...deps });
  await app.register(workflowStepRoutes, { db, defaultProjectId: deps.defaultProjectId });
  await app.register(workflowStepFollowUpRoutes, { ...deps });
  await app.register(workflowRequestChangesRoutes, { ...deps });
  await app.register(workflowDiffRoutes, { db });
  await app.register(workflowCommentRoutes, { db, bus: deps.bus });
  await app.register(workflowArtifactRoutes, { db, bus: deps.bus, maxUploadBytes: deps.maxUploadBytes });
  await app.register(websocketRoutes, { bus: deps.bus, projectExists });
  return app;
}
