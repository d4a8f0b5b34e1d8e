/** Reading an artifact back: its row, its size on disk and a stream of the whole file or of one byte range. */
import { open } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../../../db/connection.ts';
import { projects, workflowArtifacts, workflowRunSteps, workflowRuns } from '../../../db/schema.ts';
import { GoneError, NotFoundError } from '../../../../errors.ts';
import { artifactView } from '../artifactView.ts';
import type { Artifact } from '../../../../protocol/artifacts.ts';
import { executionFilesOf } from './uploadArtifact.ts';

/** Inclusive byte offsets, as HTTP counts them. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Reads a `Range` header against a file of `size` bytes. One range of the `bytes` unit is served; anything else
 * (several ranges, another unit, a malformed or reversed range) is ignored, as RFC 9110 allows, and the whole file
 * is sent. `unsatisfiable` means a well-formed range that starts past the end of the file.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

export type ArtifactDownload =
  | { status: 200; artifact: Artifact; size: number; stream: Readable }
  | { status: 206; artifact: Artifact; size: number; range: ByteRange; stream: Readable }
  | { status: 416; artifact: Artifact; size: number };

/**
 * Opens an artifact's file for reading, whole or the requested range. An unknown id is a 404; a row whose file is
 * gone from disk is a 410 (`artifact_file_missing`), since the artifact existed and cannot come back.
 */
export async function downloadArtifact(
  deps: { db: AppDatabase },
  input: { artifactId: string; range?: string },
): Promise<ArtifactDownload> {
  const [found] = await deps.db
    .select({ artifact: workflowArtifacts, run_id: workflowRuns.id, project_path: projects.path })
    .from(workflowArtifacts)
    .innerJoin(workflowRunSteps, eq(workflowRunSteps.id, workflowArtifacts.workflow_run_step_id))
    .innerJoin(workflowRuns, eq(workflowRuns.id, workflowRunSteps.workflow_run_id))
    .innerJoin(projects, eq(projects.id, workflowRuns.project_id))
    .where(eq(workflowArtifacts.id, input.artifactId));
  if (!found) throw new NotFoundError('artifact', input.artifactId);
  const artifact = artifactView(found.artifact);
  const executionDir = executionFilesOf({ id: found.run_id, project_path: found.project_path }).dir;
  const path = resolve(executionDir, artifact.file_path);
  // `file_path` is server-generated, but a row edited by hand must still not reach outside the run's directory.
  if (!path.startsWith(executionDir + sep)) throw fileMissing(artifact.id);
  // Open first and measure the open file, so a file replaced or removed meanwhile cannot skew the length we send.
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'EISDIR') throw fileMissing(artifact.id);
    throw error;
  });
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw fileMissing(artifact.id);
    const size = stats.size;
    const range = parseByteRange(input.range, size);
    if (range === 'unsatisfiable') {
      await handle.close();
      return { status: 416, artifact, size };
    }
    const stream = handle.createReadStream(range ?? {});
    return range ? { status: 206, artifact, size, range, stream } : { status: 200, artifact, size, stream };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function fileMissing(id: string): GoneError {
  return new GoneError('artifact_file_missing', `the file of artifact ${id} is no longer on disk`, { id });
}
