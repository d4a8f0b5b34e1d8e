/**
 * `GET /api/workflow-steps/:id/diff` → 200 the step's commit against its parent; `GET
 * /api/workflow-executions/:id/diff` → 200 the run's branch against its base. Both paginate by file
 * (`?offset=&limit=`); a run in place answers an empty change set.
 */
import type { FastifyInstance } from 'fastify';
import { IdParams } from '../../protocol/common.ts';
import { ChangeSetQuery } from '../../protocol/diffs.ts';
import type { AppDatabase } from '../db/connection.ts';
import { getRunChangeSet, getStepChangeSet } from '../domain/workflow-diff/services/getChangeSet.ts';
import { parseInput } from '../http/parseInput.ts';

export async function workflowDiffRoutes(app: FastifyInstance, opts: { db: AppDatabase }): Promise<void> {
  const deps = { db: opts.db };

  app.get('/api/workflow-steps/:id/diff', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    return getStepChangeSet(deps, id, parseInput(ChangeSetQuery, request.query));
  });

  app.get('/api/workflow-executions/:id/diff', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    return getRunChangeSet(deps, id, parseInput(ChangeSetQuery, request.query));
  });
}
