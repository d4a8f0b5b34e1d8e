/**
 * Uploading an artifact in two moves, because a multipart upload may send the file before it says which step the
 * file is for: stage the bytes (streamed to a temporary file, hashed on the way), then commit them to a step
 * (rename into `artifacts/<step id>/`, insert the row, publish the event).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { extname, join, posix } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExecutionFiles } from '@switchyard/workflow-engine';
import type { AppDatabase } from '../../../db/connection.ts';
import { workflowArtifacts } from '../../../db/schema.ts';
import { TooLargeError } from '../../../../errors.ts';
import type { EventBus } from '../../../websocket/eventBus.ts';
import { projectLayout } from '../../project/projectLayout.ts';
import { requireStepOfRun } from '../../workflow/runLookups.ts';
import type { RunRef } from '../../workflow/runLookups.ts';
import { artifactView } from '../artifactView.ts';
import type { Artifact } from '../../../../protocol/artifacts.ts';

export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

/** Bytes written to a temporary file and not yet anyone's artifact. */
export interface StagedFile {
  tempPath: string;
  size_bytes: number;
  sha256: string;
}

/** The file's bytes as they arrive; a multipart file stream also says when its parser cut it at the size limit. */
export type UploadContent = Readable & { readonly truncated?: boolean };

/** The execution directory of a run, from its project's path. */
export function executionFilesOf(run: Pick<RunRef, 'id' | 'project_path'>): ExecutionFiles {
  return new ExecutionFiles(projectLayout(run.project_path).executionsDir, run.id);
}

export function artifactTooLarge(maxBytes: number): TooLargeError {
  return new TooLargeError('artifact_too_large', `the file is larger than the limit of ${maxBytes} bytes`, {
    max_bytes: maxBytes,
    fields: [{ field: 'file', message: `larger than ${maxBytes} bytes` }],
  });
}

/**
 * Streams `content` into a temporary file under the run's `artifacts/` directory — the same file system as every
 * step's directory, so the later rename is atomic — hashing it as it goes. Over `maxBytes`, or on any failure,
 * nothing is left behind.
 */
export async function stageArtifactFile(run: RunRef, content: UploadContent, maxBytes: number): Promise<StagedFile> {
  const dir = join(executionFilesOf(run).dir, 'artifacts');
  await mkdir(dir, { recursive: true });
  const tempPath = join(dir, `.upload-${randomUUID()}.tmp`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) return done(artifactTooLarge(maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(content, meter, createWriteStream(tempPath, { flags: 'wx' }));
    // A multipart parser stops the stream at its own limit and ends it normally, so the cut is only visible here.
    if (content.truncated) throw artifactTooLarge(maxBytes);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
  return { tempPath, size_bytes: size, sha256: hash.digest('hex') };
}

/** Removes a staged file that will not be committed; harmless when it is already gone. */
export async function discardStagedFile(staged: StagedFile): Promise<void> {
  await rm(staged.tempPath, { force: true });
}

const SAFE_EXTENSION = /^\.[a-z0-9]{1,10}$/i;
const MIME_TYPE = /^[a-z0-9][\w.+-]*\/[a-z0-9][\w.+-]*$/;

/** The server's name for a stored file: a uuid, plus the original extension only when it is plainly harmless. */
export function storedFileName(originalName: string): string {
  const extension = extname(originalName);
  return `${randomUUID()}${SAFE_EXTENSION.test(extension) ? extension.toLowerCase() : ''}`;
}

/** The media type without parameters, lowercased; anything that does not look like `type/subtype` is opaque bytes. */
export function normalizeMimeType(mimeType: string | undefined): string {
  const essence = (mimeType ?? '').split(';')[0]!.trim().toLowerCase();
  return MIME_TYPE.test(essence) ? essence : 'application/octet-stream';
}

export type FileKind = 'image' | 'video' | 'audio' | 'text' | 'pdf' | 'archive' | 'other';

const ARCHIVE_TYPES = new Set([
  'application/zip',
  'application/gzip',
  'application/x-gzip',
  'application/x-tar',
  'application/x-bzip2',
  'application/x-xz',
  'application/x-7z-compressed',
  'application/x-rar-compressed',
  'application/vnd.rar',
  'application/zstd',
]);

const TEXT_APPLICATION_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);

/** A coarse kind the board can pick a preview by. */
export function fileKind(mimeType: string): FileKind {
  const [type] = mimeType.split('/');
  if (type === 'image' || type === 'video' || type === 'audio' || type === 'text') return type;
  if (mimeType === 'application/pdf') return 'pdf';
  if (ARCHIVE_TYPES.has(mimeType)) return 'archive';
  if (TEXT_APPLICATION_TYPES.has(mimeType) || mimeType.endsWith('+json') || mimeType.endsWith('+xml')) return 'text';
  return 'other';
}

export interface UploadArtifactInput {
  run: RunRef;
  /** The step's row id; the step must belong to `run`. */
  stepRowId: string;
  /** The uploader's file name: display only, never part of a path. */
  name: string;
  mimeType?: string;
  staged: StagedFile;
}

/**
 * Commits a staged file as an artifact of a step of the run: moved to `artifacts/<step id>/<uuid><ext>`, recorded
 * with `file_path` relative to the execution directory, and announced as `workflow.artifact.created`. On any
 * failure the bytes are removed, staged or moved.
 */
export async function uploadArtifact(
  deps: { db: AppDatabase; bus: EventBus },
  input: UploadArtifactInput,
): Promise<Artifact> {
  const { run, staged } = input;
  let finalPath: string | undefined;
  try {
    const step = await requireStepOfRun(deps.db, run.id, input.stepRowId);
    // Step ids are slugs checked by the engine; this guards against a row written by anything else.
    if (!/^[\w.-]+$/.test(step.step_id) || step.step_id.startsWith('.')) {
      throw new Error(`step id ${JSON.stringify(step.step_id)} cannot name a directory`);
    }
    const dir = executionFilesOf(run).artifactsDir(step.step_id);
    const fileName = storedFileName(input.name);
    await mkdir(dir, { recursive: true });
    finalPath = join(dir, fileName);
    await rename(staged.tempPath, finalPath);
    const mimeType = normalizeMimeType(input.mimeType);
    const [row] = await deps.db
      .insert(workflowArtifacts)
      .values({
        workflow_run_step_id: step.id,
        name: displayName(input.name),
        file_path: posix.join('artifacts', step.step_id, fileName),
        file_type: fileKind(mimeType),
        mime_type: mimeType,
        size_bytes: staged.size_bytes,
        sha256: staged.sha256,
      })
      .returning();
    const artifact = artifactView(row!);
    deps.bus.publish(run.project_id, {
      type: 'workflow.artifact.created',
      data: { execution_id: run.id, step_id: step.step_id, artifact },
    });
    return artifact;
  } catch (error) {
    await discardStagedFile(staged);
    if (finalPath) await rm(finalPath, { force: true });
    throw error;
  }
}

/** Keeps the name readable in a list: no control characters, at most 255 characters, never empty. */
function displayName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean.slice(0, 255) || 'upload';
}
