/** `/api/workflow-definitions`: a project's templates, invalid ones listed with their error. */
import type { FastifyInstance } from 'fastify';
import { IdParams } from '../../protocol/common.ts';
import { ListDefinitionsQuery } from '../../protocol/templates.ts';
import type { AppDatabase } from '../db/connection.ts';
import {
  getWorkflowDefinition,
  getWorkflowDefinitions,
} from '../domain/workflow-definition/services/getWorkflowDefinitions.ts';
import { parseInput } from '../http/parseInput.ts';

export interface WorkflowDefinitionRoutesOptions {
  db: AppDatabase;
  /** The project listed when a request names none: the one the server was started in. */
  defaultProjectId: string;
}

/**
 * `GET /api/workflow-definitions?project_id=` → 200 `{ data: Definition[] }` ordered by name;
 * `GET /api/workflow-definitions/:id` → 200 the definition.
 */
export async function workflowDefinitionRoutes(
  app: FastifyInstance,
  opts: WorkflowDefinitionRoutesOptions,
): Promise<void> {
  const deps = { db: opts.db };

  app.get('/api/workflow-definitions', async (request) => {
    const query = parseInput(ListDefinitionsQuery, request.query);
    return { data: await getWorkflowDefinitions(deps, query.project_id ?? opts.defaultProjectId) };
  });

  app.get('/api/workflow-definitions/:id', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    return getWorkflowDefinition(deps, id);
  });
}
