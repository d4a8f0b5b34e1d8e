/**
 * The board's own reads: `GET /api/board?project_id=` (compact cards and counts) and
 * `GET /api/workflow-executions/:id/history` (every attempt, every artifact, the pinned template source).
 */
import type { FastifyInstance } from 'fastify';
import { BoardQuery } from '../../protocol/board.ts';
import { IdParams } from '../../protocol/common.ts';
import type { AppDatabase } from '../db/connection.ts';
import { readActivityFromLog } from '../domain/board/activity.ts';
import { getBoard } from '../domain/board/getBoard.ts';
import { getRunHistory } from '../domain/board/getRunHistory.ts';
import { createPinnedTemplates } from '../domain/board/pinnedTemplate.ts';
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

  app.get('/api/workflow-executions/:id/history', async (request) =>
    getRunHistory({ db: opts.db, pinned }, parseInput(IdParams, request.params).id),
  );
}
