/**
 * The HTTP application: every route plugin, the WebSocket and one error handler, over dependencies it is given.
 * `buildApp` never listens; `serve.ts` does, and tests use `app.inject` or listen on port 0.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from './db/connection.ts';
import { projects } from './db/schema.ts';
import type { WorkflowServiceDeps } from './domain/workflow/services/deps.ts';
import { UnauthorizedError } from '../errors.ts';
import { registerErrorHandler } from './http/errorHandler.ts';
import { projectRoutes } from './routes/projects.ts';
import { workflowArtifactRoutes } from './routes/workflow-artifacts.ts';
import { workflowCommentRoutes } from './routes/workflow-comments.ts';
import { workflowDefinitionRoutes } from './routes/workflow-definitions.ts';
import { workflowStepRoutes } from './routes/workflow-steps.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { indexPage } from './routes/indexPage.ts';
import { websocketRoutes } from './websocket/websocketRoutes.ts';

export interface AppDeps extends WorkflowServiceDeps {
  database: DatabaseHandle;
  /** The project a request that names none is about: the directory the server started in. */
  defaultProjectId: string;
  maxUploadBytes?: number;
  /** When set, every request must carry `Authorization: Bearer <token>` (or `?token=` on the WebSocket). */
  token?: string;
  logger?: FastifyServerOptions['logger'];
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Open keep-alive connections would otherwise hold `close()` for the keep-alive timeout.
  const app = Fastify({ logger: deps.logger ?? false, forceCloseConnections: true });
  registerErrorHandler(app);

  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });
  if (deps.token) {
    const expected = `Bearer ${deps.token}`;
    app.addHook('onRequest', async (request) => {
      const query = request.query as { token?: unknown };
      if (request.headers.authorization === expected || query.token === deps.token) return;
      throw new UnauthorizedError('this server requires a token: send Authorization: Bearer <token>');
    });
  }

  const { db } = deps;
  const projectExists = async (id: string) =>
    (await db.select({ id: projects.id }).from(projects).where(eq(projects.id, id))).length > 0;

  app.get('/api/health', async () => ({ status: 'ok', database: deps.database.kind }));
  await app.register(indexPage, { db, defaultProjectId: deps.defaultProjectId });
  await app.register(projectRoutes, { db, defaultProjectId: deps.defaultProjectId });
  await app.register(workflowDefinitionRoutes, { db, defaultProjectId: deps.defaultProjectId });
  await app.register(workflowRoutes, { ...deps });
  await app.register(workflowStepRoutes, { db, defaultProjectId: deps.defaultProjectId });
  await app.register(workflowCommentRoutes, { db, bus: deps.bus });
  await app.register(workflowArtifactRoutes, { db, bus: deps.bus, maxUploadBytes: deps.maxUploadBytes });
  await app.register(websocketRoutes, { bus: deps.bus, projectExists });
  return app;
}
