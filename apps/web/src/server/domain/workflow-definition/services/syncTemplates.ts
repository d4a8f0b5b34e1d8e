/**
 * Templates on disk → `workflow_definitions` rows. The folder is the truth; the table is what the board lists and
 * what runs reference. An invalid template gets a row carrying its error (listed, never hidden); a template whose
 * file disappeared keeps its row, because runs reference it, and is marked.
 */
import { existsSync, mkdirSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { lstat, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { and, eq, isNull, ne, notInArray, or, sql } from 'drizzle-orm';
import { contentHash, discoverTemplates, templateIdFromPath } from '@switchyard/workflow-engine';
import type { DefinitionSnapshot } from '@switchyard/workflow-engine';
import type { AppDatabase } from '../../../db/connection.ts';
import { workflowDefinitions } from '../../../db/schema.ts';
import { projectLayout } from '../../project/projectLayout.ts';

export const TEMPLATE_FILE_REMOVED = 'template file removed';
const DEBOUNCE_MS = 200;
const REWATCH_MS = 1_000;

export interface SyncDeps {
  db: AppDatabase;
  /** Where a background re-sync reports a failure; it never throws out of the watcher. Default: stderr. */
  reportError?: (error: unknown) => void;
}

export interface SyncProject {
  id: string;
  path: string;
}

/** Template ids (file-name slugs) by what the sync found. */
export interface SyncResult {
  valid: string[];
  invalid: string[];
  /** Rows newly marked {@link TEMPLATE_FILE_REMOVED} by this sync. */
  removed: string[];
}

type DefinitionValues = Omit<typeof workflowDefinitions.$inferInsert, 'project_id'> & { identifier: string };

/**
 * Inspects every template in the project's definitions folder — TypeScript ones in a child process with a time
 * limit, so that one that spins or exits while loading is listed invalid instead of stopping this process — and
 * upserts one row per file (unique on project and template id). Runs no transaction: each upsert stands alone and
 * a second sync converges to the same rows.
 */
export async function syncTemplates(deps: SyncDeps, project: SyncProject): Promise<SyncResult> {
  const { definitionsDir } = projectLayout(project.path);
  const discovered = await discoverTemplates(definitionsDir);
  const rows: { file: string; values: DefinitionValues }[] = discovered.templates.map((snapshot) => ({
    file: snapshot.source.path,
    values: validValues(snapshot),
  }));
  for (const { file, error } of discovered.invalid) {
    const values = await invalidValues(file, error.message);
    if (values) rows.push({ file, values });
  }

  const result: SyncResult = { valid: [], invalid: [], removed: [] };
  for (const values of withoutDuplicateIds(rows)) {
    await upsert(deps.db, project.id, values);
    (values.error === null ? result.valid : result.invalid).push(values.identifier);
  }

  const present = [...result.valid, ...result.invalid];
  const removed = await deps.db
    .update(workflowDefinitions)
    .set({ error: TEMPLATE_FILE_REMOVED, updated_at: sql`now()` })
    .where(
      and(
        eq(workflowDefinitions.project_id, project.id),
        eq(workflowDefinitions.is_template, true),
        present.length ? notInArray(workflowDefinitions.identifier, present) : undefined,
        or(isNull(workflowDefinitions.error), ne(workflowDefinitions.error, TEMPLATE_FILE_REMOVED)),
      ),
    )
    .returning({ identifier: workflowDefinitions.identifier });
  result.removed = removed.map((row) => row.identifier);
  return result;
}

/**
 * The row of one template a run is about to start from (the command line does this, the board's templates are
 * synced already): a template in the definitions folder is upserted as the folder sync would; one run from a file
 * elsewhere gets a row of its own (`is_template` false, so the folder sync never marks it removed), unless its id
 * is taken.
 */
export async function registerTemplate(
  deps: SyncDeps,
  project: SyncProject,
  definition: DefinitionSnapshot,
): Promise<void> {
  const values = validValues(definition);
  const real = (path: string) => realpath(path).catch(() => path);
  const inFolder =
    (await real(dirname(definition.source.path))) === (await real(projectLayout(project.path).definitionsDir));
  if (inFolder) return upsert(deps.db, project.id, values);
  await deps.db
    .insert(workflowDefinitions)
    .values({ ...values, project_id: project.id, is_template: false })
    .onConflictDoNothing({ target: [workflowDefinitions.project_id, workflowDefinitions.identifier] });
}

function validValues(snapshot: DefinitionSnapshot): DefinitionValues {
  return {
    identifier: snapshot.id,
    name: snapshot.name,
    description: snapshot.description ?? null,
    type: snapshot.source.type,
    path: snapshot.source.path,
    phases: snapshot.phases,
    args_schema: snapshot.argsJsonSchema,
    content_hash: snapshot.source.contentHash,
    error: null,
  };
}

async function invalidValues(file: string, error: string): Promise<DefinitionValues | undefined> {
  let bytes: Buffer | string;
  try {
    // A link is hashed by where it points: what it points at may be outside the folder, and is not read.
    bytes = (await lstat(file)).isSymbolicLink() ? await readlink(file) : await readFile(file);
  } catch {
    // Deleted between listing and reading: the removal pass marks its row.
    return undefined;
  }
  return {
    identifier: templateIdFromPath(file),
    name: basename(file),
    description: null,
    type: ['.ts', '.mts'].includes(extname(file).toLowerCase()) ? 'code' : 'yaml',
    path: file,
    phases: [],
    args_schema: {},
    content_hash: contentHash(bytes),
    error,
  };
}

/**
 * `fix-bug.ts` and `fix-bug.yaml` share one id and so one row; which of them a run would use is ambiguous, so the
 * row carries an error naming both instead of silently letting the last file win.
 */
function withoutDuplicateIds(rows: { file: string; values: DefinitionValues }[]): DefinitionValues[] {
  const byId = new Map<string, { file: string; values: DefinitionValues }[]>();
  for (const row of rows) byId.set(row.values.identifier, [...(byId.get(row.values.identifier) ?? []), row]);
  return [...byId.entries()].map(([id, group]) => {
    const [first] = group.sort((a, b) => a.file.localeCompare(b.file));
    if (group.length === 1) return first!.values;
    const files = group.map((row) => basename(row.file)).join(', ');
    return { ...first!.values, error: `template id "${id}" is used by more than one file (${files}); rename one` };
  });
}

/**
 * PostgreSQL cannot store a NUL character in text or jsonb, and a broken template's error may quote its bytes: NULs
 * are shown as ␀ instead, so the template is listed with its error rather than failing the whole sync.
 */
function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\0', '\u2400') as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value && typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storable(key), storable(inner)])) as T;
  }
  return value;
}

async function upsert(db: AppDatabase, projectId: string, original: DefinitionValues): Promise<void> {
  const values = storable(original);
  const { identifier: _identifier, ...changes } = values;
  await db
    .insert(workflowDefinitions)
    .values({ ...values, project_id: projectId, is_template: true })
    .onConflictDoUpdate({
      target: [workflowDefinitions.project_id, workflowDefinitions.identifier],
      set: { ...changes, is_template: true, updated_at: sql`now()` },
    });
}

/**
 * Re-syncs whenever the definitions folder changes (creating the folder if missing), debounced ~200 ms; syncs never
 * overlap. `onChange` runs after each re-sync. If the folder is deleted, its rows are marked removed and the
 * folder is watched again once it reappears. Returns the function that stops watching.
 */
export function watchTemplates(
  deps: SyncDeps,
  project: SyncProject,
  onChange?: (result: SyncResult) => void,
): () => void {
  const dir = projectLayout(project.path).definitionsDir;
  const reportError = deps.reportError ?? ((error: unknown) => console.error('template sync failed:', error));
  let watcher: FSWatcher | undefined;
  let debounce: ReturnType<typeof setTimeout> | undefined;
  let rewatch: ReturnType<typeof setInterval> | undefined;
  let syncing = false;
  let again = false;
  let stopped = false;

  const resync = async (): Promise<void> => {
    if (syncing) {
      again = true;
      return;
    }
    syncing = true;
    try {
      do {
        again = false;
        try {
          const result = await syncTemplates(deps, project);
          if (!stopped) onChange?.(result);
        } catch (error) {
          if (!stopped) reportError(error);
        }
      } while (again && !stopped);
    } finally {
      syncing = false;
    }
  };

  const schedule = () => {
    if (stopped) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      if (!existsSync(dir)) lost();
      void resync();
    }, DEBOUNCE_MS);
  };

  // A watcher on a deleted folder never fires again, so poll for the folder to come back and watch it anew.
  const lost = () => {
    watcher?.close();
    watcher = undefined;
    rewatch ??= setInterval(() => {
      if (stopped || !existsSync(dir) || !start()) return;
      clearInterval(rewatch);
      rewatch = undefined;
      schedule();
    }, REWATCH_MS);
    rewatch.unref();
  };

  const start = (): boolean => {
    try {
      watcher = watch(dir, schedule);
      watcher.on('error', () => {
        lost();
        schedule();
      });
      return true;
    } catch {
      return false;
    }
  };

  mkdirSync(dir, { recursive: true });
  if (!start()) lost();
  return () => {
    stopped = true;
    clearTimeout(debounce);
    clearInterval(rewatch);
    watcher?.close();
  };
}
