/**
 * Artifact routes: multipart upload to a step of a run, download (streamed, with byte ranges), and attaching to or
 * detaching from a comment. `@fastify/multipart` is registered inside this plugin, so its parser and size limit
 * stay here.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { AttachArtifactBody, UploadArtifactFields } from '../../protocol/artifacts.ts';
import { IdParams } from '../../protocol/common.ts';
import type { FieldIssue } from '../../protocol/common.ts';
import { InvalidInputError, StorageError, UnsupportedMediaTypeError } from '../../errors.ts';
import { isTypedError } from '../http/errorHandler.ts';
import type { AppDatabase } from '../db/connection.ts';
import { parseInput } from '../http/parseInput.ts';
import type { EventBus } from '../websocket/eventBus.ts';
import { attachToComment, detachFromComment } from '../domain/workflow-artifact/services/attachToComment.ts';
import { downloadArtifact } from '../domain/workflow-artifact/services/downloadArtifact.ts';
import {
  artifactTooLarge,
  DEFAULT_MAX_UPLOAD_BYTES,
  discardStagedFile,
  stageArtifactFile,
  uploadArtifact,
} from '../domain/workflow-artifact/services/uploadArtifact.ts';
import type { StagedFile } from '../domain/workflow-artifact/services/uploadArtifact.ts';
import { requireRun } from '../domain/workflow/runLookups.ts';

export interface WorkflowArtifactRoutesOptions {
  db: AppDatabase;
  bus: EventBus;
  /** Largest accepted file, in bytes; 100 MB by default. */
  maxUploadBytes?: number;
}

/** The artifact routes; register under the app root (paths are absolute). */
export async function workflowArtifactRoutes(app: FastifyInstance, opts: WorkflowArtifactRoutesOptions): Promise<void> {
  const deps = { db: opts.db, bus: opts.bus };
  const maxUploadBytes = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  await app.register(multipart, {
    limits: { fileSize: maxUploadBytes, fieldSize: 1024, fields: 20, parts: 40, headerPairs: 100 },
  });

  app.post('/api/workflow-executions/:id/artifacts', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params);
    if (!request.isMultipart()) {
      throw new UnsupportedMediaTypeError(
        'an artifact is uploaded as multipart/form-data',
        'file',
        'expected a multipart/form-data body with one file part',
      );
    }
    const run = await requireRun(opts.db, id);
    const fields: Record<string, string> = {};
    const issues: FieldIssue[] = [];
    let staged: StagedFile | undefined;
    let file: { name: string; mimeType: string } | undefined;
    try {
      try {
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            if (part.fieldname in fields) issues.push({ field: part.fieldname, message: 'is given more than once' });
            else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
            continue;
          }
          if (staged) {
            part.file.resume();
            issues.push({ field: part.fieldname, message: 'only one file per upload' });
            continue;
          }
          // The step may only be named after the file, so the bytes go to a staging file rather than into memory.
          staged = await stageArtifactFile(run, part.file, maxUploadBytes);
          file = { name: part.filename, mimeType: part.mimetype };
        }
      } catch (error) {
        // What the multipart parser itself refuses (no boundary, a truncated body, a broken part header) is the
        // request's fault; limits and failed writes keep their own answers.
        const status = (error as { statusCode?: unknown }).statusCode;
        if (isTypedError(error) || StorageError.from(error) || (typeof status === 'number' && status < 500))
          throw error;
        throw new InvalidInputError(
          [{ field: 'file', message: `the multipart body is malformed: ${(error as Error).message}` }],
          'multipart_malformed',
        );
      }
      const parsed = UploadArtifactFields.safeParse(fields);
      if (!parsed.success) {
        issues.push(...parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? ''), message: i.message })));
      }
      if (!staged || !file) issues.push({ field: 'file', message: 'a file part is required' });
      if (issues.length > 0 || !parsed.success || !staged || !file) throw new InvalidInputError(issues);
      const artifact = await uploadArtifact(deps, {
        run,
        stepRowId: parsed.data.workflow_run_step_id,
        name: file.name,
        mimeType: file.mimeType,
        staged,
      });
      return reply.status(201).send(artifact);
    } catch (error) {
      if (staged) await discardStagedFile(staged);
      // The parser's own limit error can surface after the file ended; answer it like the limit we enforce.
      if ((error as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE') throw artifactTooLarge(maxUploadBytes);
      throw error;
    }
  });

  app.get('/api/artifacts/:id', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params);
    const download = await downloadArtifact(opts, { artifactId: id, range: request.headers.range });
    reply.header('accept-ranges', 'bytes').header('x-content-type-options', 'nosniff');
    if (download.status === 416) {
      return reply
        .status(416)
        .header('content-range', `bytes */${download.size}`)
        .send({
          error: {
            code: 'range_not_satisfiable',
            message: `the range is outside the file's ${download.size} bytes`,
            details: { size: download.size, fields: [{ field: 'range', message: 'not satisfiable' }] },
          },
        });
    }
    reply.header(
      'content-disposition',
      contentDisposition(dispositionType(download.artifact.mime_type), download.artifact.name),
    );
    if (download.status === 206) {
      const { start, end } = download.range;
      reply
        .status(206)
        .header('content-range', `bytes ${start}-${end}/${download.size}`)
        .header('content-length', end - start + 1);
    } else {
      reply.header('content-length', download.size);
    }
    return reply.type(download.artifact.mime_type).send(download.stream);
  });

  app.patch('/api/artifacts/:id/attach', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    const body = parseInput(AttachArtifactBody, request.body ?? {});
    return attachToComment(opts, { artifactId: id, commentId: body.workflow_comment_id });
  });

  app.delete('/api/artifacts/:id/detach', async (request) => {
    const { id } = parseInput(IdParams, request.params);
    return detachFromComment(opts, { artifactId: id });
  });
}

/** Media types a browser would run as a document: always downloaded, never shown in the app's origin. */
const ACTIVE_TYPES = new Set(['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/xml']);

/** `inline` only for the kinds the board previews; everything else, and anything scriptable, is a download. */
export function dispositionType(mimeType: string): 'inline' | 'attachment' {
  if (ACTIVE_TYPES.has(mimeType) || mimeType.endsWith('+xml')) return 'attachment';
  if (/^(image|video|audio)\//.test(mimeType)) return 'inline';
  return mimeType === 'application/pdf' || mimeType === 'text/plain' ? 'inline' : 'attachment';
}

/** RFC 6266: an ASCII fallback for old clients plus the exact name as RFC 8187 UTF-8. */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\/%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
