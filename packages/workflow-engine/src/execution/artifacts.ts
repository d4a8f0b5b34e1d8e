/**
 * Artifacts: files a step publishes — `ctx.artifact`, a step's `artifacts` globs, `switchyard artifact add` from
 * inside a running step. Each file is copied into the run's `artifacts/{stepId}/` under a name the engine chooses
 * (a uuid and a harmless extension; the given name is for display only), hashed on the way, recorded by the
 * artifact store under a key unique within the step, and announced as `workflow.artifact.created`.
 *
 * Publishing happens before the step's commit, so the step's journaled result lists its artifacts. A step that runs
 * again because a crash came before its commit publishes the same keys again: the store keeps the first record and
 * the second copy is removed. A committed step replays from the journal and publishes nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { extname, join, posix, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { glob } from 'tinyglobby';
import type { RunArtifact } from '../ports.ts';
import type { StepArtifact, StepError, StepSpec } from '../types/step.ts';
import type { RunScope } from './runScope.ts';

/** More files than this from one step is a mistake in its globs (`**` over `node_modules`), not a report. */
export const MAX_STEP_ARTIFACTS = 1_000;

/**
 * Where `switchyard artifact add` leaves files for the engine while the step runs (`SWITCHYARD_ARTIFACT_INBOX`):
 * `<uuid>.data` first, then `<uuid>.json` naming it, so a file is only seen once it is whole.
 */
export const INBOX_DIR = '.inbox';

/** One file to publish, and the key that makes publishing it twice harmless. */
export interface ArtifactSource {
  key: string;
  name: string;
  type?: string;
  description?: string;
  from: { path: string } | { content: string | Uint8Array };
}

const SAFE_EXTENSION = /^\.[a-z0-9]{1,10}$/i;
const MIME_TYPE = /^[a-z0-9][\w.+-]*\/[a-z0-9][\w.+-]*$/i;

const MIME_BY_EXTENSION: Record<string, string> = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.xml': 'application/xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/** The media type a file is stored with: the one given when it looks like `type/subtype`, else by its extension. */
export function artifactMimeType(name: string, given?: string): string {
  const essence = given?.split(';')[0]!.trim().toLowerCase();
  if (essence && MIME_TYPE.test(essence)) return essence;
  return MIME_BY_EXTENSION[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** The inbox of a step's `switchyard artifact add`, when the run has an execution directory. */
export function artifactInbox(scope: RunScope, stepId: string): string | undefined {
  return scope.deps.files ? join(scope.deps.files.artifactsDir(stepId), INBOX_DIR) : undefined;
}

/**
 * Copies one file into the step's artifacts directory and records it. The step's journal record must exist (its
 * start is written), since a store's artifact row belongs to it.
 */
export async function publishArtifact(scope: RunScope, stepId: string, source: ArtifactSource): Promise<StepArtifact> {
  const files = scope.deps.files;
  if (!files) throw new Error('this executor has no executions directory, so there is nowhere to keep artifacts');
  const dir = files.artifactsDir(stepId);
  await mkdir(dir, { recursive: true });
  const extension = extname(source.name);
  const fileName = `${randomUUID()}${SAFE_EXTENSION.test(extension) ? extension.toLowerCase() : ''}`;
  const finalPath = join(dir, fileName);
  const tempPath = join(dir, `.${fileName}.tmp`);
  const hash = createHash('sha256');
  let size = 0;
  const input =
    'path' in source.from
      ? createReadStream(resolve(scope.deps.workingDir, source.from.path))
      : Readable.from([Buffer.from(source.from.content)]);
  try {
    await pipeline(
      input,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          size += chunk.length;
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(tempPath, { flags: 'wx' }),
    );
    await rename(tempPath, finalPath);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
  const artifact: StepArtifact = {
    id: randomUUID(),
    stepId,
    key: source.key,
    name: displayName(source.name),
    filePath: posix.join('artifacts', stepId, fileName),
    mimeType: artifactMimeType(source.name, source.type),
    sizeBytes: size,
    sha256: hash.digest('hex'),
    description: source.description ?? null,
  };
  const store = scope.deps.artifacts;
  let recorded: RunArtifact = {
    ...artifact,
    runId: scope.run.id,
    stepRecordId: null,
    createdAt: new Date().toISOString(),
  };
  let created = true;
  try {
    if (store) {
      const { id: _ownId, ...fields } = artifact;
      ({ artifact: recorded, created } = await store.addArtifact({ ...fields, runId: scope.run.id }));
    }
  } catch (error) {
    await rm(finalPath, { force: true });
    throw error;
  }
  // The step published this key before it last stopped: that record stands, and this copy is not needed.
  if (!created) await rm(finalPath, { force: true });
  else
    scope.emit({
      type: 'workflow.artifact.created',
      data: { execution_id: scope.run.id, step_id: stepId, artifact: recorded },
    });
  const { runId: _runId, stepRecordId: _record, createdAt: _at, ...published } = recorded;
  return published;
}

/**
 * A finished step's artifacts — its globs, and for scripts and agents what `switchyard artifact add` left — or the
 * reason they could not be published, which fails the step.
 */
export async function publishStepArtifacts(
  scope: RunScope,
  id: string,
  spec: StepSpec,
): Promise<{ artifacts: StepArtifact[]; error?: StepError }> {
  if (!scope.deps.files && !spec.artifacts?.length) return { artifacts: [] };
  const { workingDir } = scope.deps;
  const cwd = spec.type !== 'function' && spec.cwd ? resolve(workingDir, spec.cwd) : workingDir;
  try {
    return { artifacts: await collectStepArtifacts(scope, id, spec.artifacts ?? [], cwd) };
  } catch (error) {
    return { artifacts: [], error: { code: 'artifacts_failed', message: `artifacts: ${(error as Error).message}` } };
  }
}

/**
 * After a step ran: the files its `artifacts` globs match in its working directory, then what `switchyard
 * artifact add` left in its inbox, in the order they were added. Globs that match nothing publish nothing.
 */
export async function collectStepArtifacts(
  scope: RunScope,
  stepId: string,
  globs: readonly string[],
  cwd: string,
): Promise<StepArtifact[]> {
  const sources: ArtifactSource[] = [];
  if (globs.length > 0) {
    const matched = await glob([...globs], { cwd, onlyFiles: true, dot: false, followSymbolicLinks: false });
    for (const path of matched.sort())
      sources.push({ key: `glob:${path}`, name: path, from: { path: join(cwd, path) } });
  }
  const inbox = artifactInbox(scope, stepId);
  const fromInbox = inbox ? await inboxSources(inbox) : [];
  sources.push(...fromInbox.map((entry) => entry.source));
  if (sources.length > MAX_STEP_ARTIFACTS) {
    throw new Error(
      `${sources.length} files would become artifacts of step "${stepId}", more than ${MAX_STEP_ARTIFACTS}; narrow its artifacts globs`,
    );
  }
  const published: StepArtifact[] = [];
  for (const source of sources) published.push(await publishArtifact(scope, stepId, source));
  // Only once every file is recorded: a crash before this publishes them again, under the same keys.
  for (const entry of fromInbox) await Promise.all(entry.files.map((file) => rm(file, { force: true })));
  return published;
}

/**
 * What `switchyard artifact add` does inside a step: copies `file` into the step's inbox, the data first and its
 * description last, each through a temporary name, so the engine never collects half a file. Names sort in the
 * order files were added.
 */
export async function addToArtifactInbox(
  inbox: string,
  file: string,
  meta: { name: string; type?: string; description?: string },
): Promise<string> {
  await mkdir(inbox, { recursive: true });
  const id = `${Date.now().toString().padStart(15, '0')}-${randomUUID()}`;
  const data = join(inbox, `${id}.data`);
  await copyFile(file, `${data}.tmp`);
  await rename(`${data}.tmp`, data);
  const described = join(inbox, `${id}.json`);
  await writeFile(`${described}.tmp`, JSON.stringify(meta));
  await rename(`${described}.tmp`, described);
  return id;
}

const InboxEntry = /^([\w-]+)\.json$/;

async function inboxSources(inbox: string): Promise<{ source: ArtifactSource; files: string[] }[]> {
  const names = await readdir(inbox).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const entries = [];
  for (const name of names.sort()) {
    const id = InboxEntry.exec(name)?.[1];
    if (!id) continue;
    const meta = JSON.parse(await readFile(join(inbox, name), 'utf8')) as {
      name?: unknown;
      type?: unknown;
      description?: unknown;
    };
    const data = join(inbox, `${id}.data`);
    entries.push({
      source: {
        key: `inbox:${id}`,
        name: typeof meta.name === 'string' ? meta.name : id,
        ...(typeof meta.type === 'string' ? { type: meta.type } : {}),
        ...(typeof meta.description === 'string' ? { description: meta.description } : {}),
        from: { path: data },
      },
      files: [data, join(inbox, name)],
    });
  }
  return entries;
}

/** Keeps the name readable in a list: no control characters, at most 255 characters, never empty. */
function displayName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean.slice(0, 255) || 'artifact';
}
