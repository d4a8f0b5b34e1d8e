/**
 * A file's unified diff as the Changes tab draws it: hunks of numbered lines, and for the side-by-side view rows
 * that pair each change block's deletions with its additions, old file on the left and new file on the right.
 */

export type DiffLineKind = 'add' | 'del' | 'context' | 'note';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  oldLine: number | null;
  newLine: number | null;
}

export interface DiffHunk {
  header: string;
  lines: DiffLine[];
}

/** Which version of the file a line is in: a deleted line exists only in the old one, context in both. */
export type DiffSide = 'new' | 'old';

/** A side-by-side row: a line pair (either half may be empty) or a note such as "No newline at end of file". */
export type SplitRow = { kind: 'pair'; old: DiffLine | null; new: DiffLine | null } | { kind: 'note'; text: string };

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** The patch's hunks, after its `diff --git`, `index`, `---` and `+++` headers, each line numbered. */
export function parseHunks(patch: string): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  let hunk: DiffHunk | null = null;
  let oldLine = 0;
  let newLine = 0;
  for (const text of patch.split('\n')) {
    const header = HUNK.exec(text);
    if (header) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      hunk = { header: text, lines: [] };
      hunks.push(hunk);
    } else if (!hunk) {
      continue;
    } else if (text.startsWith('+')) {
      hunk.lines.push({ kind: 'add', text: text.slice(1), oldLine: null, newLine: newLine++ });
    } else if (text.startsWith('-')) {
      hunk.lines.push({ kind: 'del', text: text.slice(1), oldLine: oldLine++, newLine: null });
    } else if (text.startsWith('\\')) {
      hunk.lines.push({ kind: 'note', text: text.slice(2), oldLine: null, newLine: null });
    } else if (text !== '') {
      hunk.lines.push({ kind: 'context', text: text.slice(1), oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return hunks;
}

/** How many lines the diff draws: what decides whether a file opens collapsed. */
export function lineCount(hunks: DiffHunk[]): number {
  return hunks.reduce((sum, hunk) => sum + hunk.lines.length + 1, 0);
}

/**
 * The hunk's lines as side-by-side rows. Context is one row with the line on both sides; a change block (the
 * deletions and additions between two context lines) pairs its n-th deletion with its n-th addition, so a changed
 * line reads across, and the longer side's surplus gets rows whose other half is empty.
 */
export function splitRows(lines: DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let deleted: DiffLine[] = [];
  let added: DiffLine[] = [];
  let notes: string[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(deleted.length, added.length); i++) {
      rows.push({ kind: 'pair', old: deleted[i] ?? null, new: added[i] ?? null });
    }
    for (const text of notes) rows.push({ kind: 'note', text });
    deleted = [];
    added = [];
    notes = [];
  };
  for (const line of lines) {
    if (line.kind === 'del') deleted.push(line);
    else if (line.kind === 'add') added.push(line);
    else if (line.kind === 'note') notes.push(line.text);
    else {
      flush();
      rows.push({ kind: 'pair', old: line, new: line });
    }
  }
  flush();
  return rows;
}

/** The side a comment on this line points at, and its number there: the new file's, except for a deletion. */
export function lineAnchor(line: DiffLine, side?: DiffSide): { side: DiffSide; line: number } | null {
  const chosen = side ?? (line.kind === 'del' ? 'old' : 'new');
  const number = chosen === 'old' ? line.oldLine : line.newLine;
  return number === null ? null : { side: chosen, line: number };
}

/** A key for a line of one side of a file, as comment threads and the URL's `line` parameter name it. */
export const lineKey = (side: DiffSide, line: number) => `${side}:${line}`;
