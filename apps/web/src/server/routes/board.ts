/**
 * The board's own reads: `GET /api/board?project_id=` (compact cards and counts) and
 * `GET /api/workflow-executions/:id/history` (every attempt, every artifact, the pinned template source) and
 * `GET /api/board/steps/:id/events` (a step's event log so far, empty before its first event: the Logs tab opens
 * it for a step that has just started, then follows the WebSocket).
 */
import type { FastifyInstance } from 'fastify';
import { BoardQuery } from '../../protocol/board.ts';
import { IdParams } from '../../protocol/common.ts';
import type { AppDatabase } from '../db/connection.ts';
import { readActivityFromLog } from '../domain/board/activity.ts';
import { getBoard } from '../domain/board/getBoard.ts';
import { getRunHistory } from '../domain/board/getRunHistory.ts';
import { createPinnedTemplates } from '../domain/board/pinnedTemplate.ts';
import { readStepLog } from '../domain/workflow-step/services/readStepLog.ts';
import { parseInput } from '../http/parseInput.ts';

export interface BoardRoutesOptions {
  db: AppDatabase;
  defaultProjectId: string;
}

export async function boardRoutes(app: FastifyInstance, opts: BoardRoutesOptions): Promise<void> {
  const pinned = createPinnedTemplates(opts.db);

  app.get('/api/board', async (request) => {
    const query = parseInput(BoardQuery, request.query);
    return getBoard(
      { db: opts.db, declaredStepCount: pinned.declaredStepCount, readActivity: readActivityFromLog },
      query.project_id ?? opts.defaultProjectId,
    );
  });

  app.get('/api/board/steps/:id/events', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params);
    reply.header('cache-control', 'no-store');
    reply.header('content-type', 'application/x-ndjson; charset=utf-8');
    try {
      const log = await readStepLog({ db: opts.db }, id, 'events', { follow: false });
      const chunks: Buffer[] = [];
      for await (const chunk of log.body) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      // No event yet: the step has started but said nothing. An unknown step is still a 404.
      if ((error as { code?: string }).code === 'log_not_found') return '';
      throw error;
    }
  });

  app.get('/api/workflow-executions/:id/history', async (request) =>
    getRunHistory({ db: opts.db, pinned }, parseInput(IdParams, request.params).id),
  );
}
