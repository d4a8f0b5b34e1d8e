/**
 * Diffs between two commits of a run's branch — a step's commit against its parent, the branch against its base —
 * as the board shows them: every changed file with its status and line counts, and the unified diff of a page of
 * files, so that a change of thousands of files is read a page at a time.
 */
import { gitText } from './git.ts';

export type FileChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type_changed';

export interface FileDiff {
  path: string;
  /** The path before a rename or copy; null otherwise. */
  oldPath: string | null;
  status: FileChangeStatus;
  /** Lines added and deleted; null for a binary file. */
  additions: number | null;
  deletions: number | null;
  binary: boolean;
  /** The file's unified diff (headers and hunks); empty outside the requested page. */
  patch: string;
}

export interface CommitDiff {
  from: string;
  to: string;
  /** Every changed file, in git's order; those of the requested page carry their patch. */
  files: FileDiff[];
  additions: number;
  deletions: number;
}

const STATUS: Record<string, FileChangeStatus> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type_changed',
};

/** The files changed from `from` to `to`, with the patches of `files.slice(offset, offset + limit)`. */
export async function diffCommits(
  repository: string,
  from: string,
  to: string,
  page: { offset: number; limit: number } = { offset: 0, limit: Number.MAX_SAFE_INTEGER },
): Promise<CommitDiff> {
  const range = [from, to];
  const [names, numbers] = await Promise.all([
    gitText(repository, ['diff', '--no-color', '-M', '-z', '--name-status', ...range]),
    gitText(repository, ['diff', '--no-color', '-M', '-z', '--numstat', ...range]),
  ]);
  const files = parseNameStatus(names);
  const counts = parseNumstat(numbers);
  files.forEach((file, index) => Object.assign(file, counts[index]));
  const wanted = files.slice(page.offset, page.offset + page.limit);
  if (wanted.length > 0) {
    const paths = wanted.flatMap((file) => (file.oldPath ? [file.oldPath, file.path] : [file.path]));
    const patch = await gitText(repository, ['diff', '--no-color', '-M', ...range, '--', ...paths.map(literal)]);
    const patches = splitPatch(patch);
    for (const file of wanted) file.patch = patches.get(file.path) ?? '';
  }
  return {
    from,
    to,
    files,
    additions: files.reduce((sum, file) => sum + (file.additions ?? 0), 0),
    deletions: files.reduce((sum, file) => sum + (file.deletions ?? 0), 0),
  };
}

/** A path as a pathspec that matches only itself (no globbing of `*` or `?` in a file name). */
const literal = (path: string) => `:(literal)${path}`;

function parseNameStatus(text: string): FileDiff[] {
  const fields = text.split('\0');
  const files: FileDiff[] = [];
  for (let i = 0; i + 1 < fields.length;) {
    const code = fields[i++]!;
    if (!code) break;
    const letter = code[0]!;
    const twoPaths = letter === 'R' || letter === 'C';
    const oldPath = twoPaths ? fields[i++]! : null;
    const path = fields[i++]!;
    files.push({
      path,
      oldPath,
      status: STATUS[letter] ?? 'modified',
      additions: 0,
      deletions: 0,
      binary: false,
      patch: '',
    });
  }
  return files;
}

function parseNumstat(text: string): Pick<FileDiff, 'additions' | 'deletions' | 'binary'>[] {
  const fields = text.split('\0');
  const counts: Pick<FileDiff, 'additions' | 'deletions' | 'binary'>[] = [];
  for (let i = 0; i < fields.length;) {
    const head = fields[i++]!;
    if (!head) break;
    const [added, deleted, path] = head.split('\t');
    // A rename or copy leaves the path empty and gives the old and new paths as the next two fields.
    if (path === '') i += 2;
    const binary = added === '-';
    counts.push({
      additions: binary ? null : Number(added),
      deletions: binary ? null : Number(deleted),
      binary,
    });
  }
  return counts;
}

/** A unified diff cut at each `diff --git` header, keyed by the file's new path (from its `+++` or rename line). */
function splitPatch(patch: string): Map<string, string> {
  const byPath = new Map<string, string>();
  const chunks = patch.split(/^(?=diff --git )/m).filter((chunk) => chunk.startsWith('diff --git '));
  for (const chunk of chunks) {
    const path = newPathOf(chunk);
    if (path !== undefined) byPath.set(path, chunk.endsWith('\n') ? chunk : `${chunk}\n`);
  }
  return byPath;
}

function newPathOf(chunk: string): string | undefined {
  for (const line of chunk.split('\n', 12)) {
    if (line.startsWith('rename to ')) return line.slice('rename to '.length);
    if (line.startsWith('copy to ')) return line.slice('copy to '.length);
    if (line.startsWith('+++ b/')) return line.slice('+++ b/'.length);
    if (line.startsWith('+++ /dev/null')) break;
  }
  // A deleted file, a binary file or a mode change: the header names it twice, `a/<path> b/<path>`.
  const header = chunk.slice(0, chunk.indexOf('\n'));
  const match = /^diff --git a\/(.*) b\/(.*)$/.exec(header);
  return match?.[2];
}
