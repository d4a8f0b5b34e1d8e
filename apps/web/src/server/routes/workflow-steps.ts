/** `/api/workflow-steps`: one step of a run, and its log files (events followed live while the step runs). */
import type { FastifyInstance } from 'fastify';
import { IdParams } from '../../protocol/common.ts';
import { StepLogParams, StepLogQuery } from '../../protocol/runs.ts';
import type { AppDatabase } from '../db/connection.ts';
import { getStep } from '../domain/workflow-step/services/getStep.ts';
import { readStepLog } from '../domain/workflow-step/services/readStepLog.ts';
import { parseInput } from '../http/parseInput.ts';

export interface WorkflowStepRoutesOptions {
  db: AppDatabase;
  defaultProjectId: string;
}

/**
 * `GET /api/workflow-steps/:id` → 200 the step with its `agent_session`;
 * `GET /api/workflow-steps/:id/logs/:type` → 200 with the file (`?follow=false` stops `events` being followed).
 */
export async function workflowStepRoutes(app: FastifyInstance, opts: WorkflowStepRoutesOptions): Promise<void> {
  const deps = { db: opts.db };

  app.get('/api/workflow-steps/:id', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    return getStep(deps, id);
  });

  app.get('/api/workflow-steps/:id/logs/:type', async (request, reply) => {
    const { id, type } = parseInput(StepLogParams, request.params);
    const { follow } = parseInput(StepLogQuery, request.query);
    // The response's close (not the request's, which fires once its empty body is read) means the client left.
    const disconnected = new AbortController();
    reply.raw.on('close', () => disconnected.abort());
    const log = await readStepLog(deps, id, type, {
      follow: follow !== 'false',
      signal: disconnected.signal,
      // Runs from inside the piped body, so after Fastify's writeHead (and any onSend hooks): safe to flush.
      onFirstWait: () => reply.raw.flushHeaders(),
    });
    reply.header('content-type', log.contentType);
    reply.header('cache-control', 'no-store');
    if (log.length !== undefined) reply.header('content-length', log.length);
    return reply.send(log.body);
  });
}
