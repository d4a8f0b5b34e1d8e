/**
 * The template a run is pinned to, read from its execution directory (`definition.json` and `source/<file>`).
 * The snapshot is immutable once the run starts, so what was read once is kept for the server's lifetime.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../../db/connection.ts';
import { projects, workflowRuns } from '../../db/schema.ts';
import { projectLayout } from '../project/projectLayout.ts';
import type { TemplateSource } from '../../../protocol/board.ts';

interface Snapshot {
  source?: { path?: string };
  declaredSteps?: { id: string; name: string; phase: string }[];
}

export interface PinnedTemplate {
  declaredSteps: { id: string; name: string; phase: string }[];
  source: TemplateSource | null;
}

const MAX_SOURCE_CHARS = 200_000;

function languageOf(file: string): TemplateSource['language'] {
  const ext = extname(file).toLowerCase();
  if (ext === '.ts' || ext === '.mts' || ext === '.js' || ext === '.mjs') return 'typescript';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return 'text';
}

async function executionDir(db: AppDatabase, runId: string): Promise<string | null> {
  const [row] = await db
    .select({ path: projects.path })
    .from(workflowRuns)
    .innerJoin(projects, eq(projects.id, workflowRuns.project_id))
    .where(eq(workflowRuns.id, runId));
  return row ? join(projectLayout(row.path).executionsDir, runId) : null;
}

async function readSnapshot(dir: string): Promise<Snapshot | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'definition.json'), 'utf8')) as Snapshot;
  } catch {
    // A pending run has no snapshot yet: the worker writes it when the run starts.
    return null;
  }
}

export function createPinnedTemplates(db: AppDatabase) {
  const counts = new Map<string, number | null>();

  async function read(runId: string): Promise<PinnedTemplate> {
    const dir = await executionDir(db, runId);
    const snapshot = dir ? await readSnapshot(dir) : null;
    if (!dir || !snapshot) return { declaredSteps: [], source: null };
    const declaredSteps = snapshot.declaredSteps ?? [];
    counts.set(runId, declaredSteps.length || null);
    const file = snapshot.source?.path ? basename(snapshot.source.path) : null;
    if (!file) return { declaredSteps, source: null };
    try {
      const text = await readFile(join(dir, 'source', file), 'utf8');
      return { declaredSteps, source: { file, language: languageOf(file), text: text.slice(0, MAX_SOURCE_CHARS) } };
    } catch {
      return { declaredSteps, source: null };
    }
  }

  return {
    read,
    /**
     * Cached per run: the board asks for every card on every load. A run without a snapshot that has started
     * never gets one (it was made by other means), so that answer is kept too; a pending run is asked again.
     */
    async declaredStepCount(run: { id: string; status: string; projectDir: string }): Promise<number | null> {
      if (counts.has(run.id)) return counts.get(run.id)!;
      const snapshot = await readSnapshot(join(projectLayout(run.projectDir).executionsDir, run.id));
      if (!snapshot && run.status === 'pending') return null;
      const n = snapshot?.declaredSteps?.length || null;
      counts.set(run.id, n);
      return n;
    },
  };
}

export type PinnedTemplates = ReturnType<typeof createPinnedTemplates>;
