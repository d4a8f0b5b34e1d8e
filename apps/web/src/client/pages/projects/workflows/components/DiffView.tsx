/**
 * One file's unified diff as lines: hunk headers, context, additions and deletions coloured (green +, red −, with
 * the sign kept so the colour is never the only cue), and old and new line numbers in the gutter.
 */
import type { DiffFile } from '../../../../../protocol/diffs.ts';

interface DiffLine {
  kind: 'hunk' | 'add' | 'del' | 'context' | 'note';
  text: string;
  oldLine: number | null;
  newLine: number | null;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** The patch's lines after its `diff --git`, `index`, `---` and `+++` headers, numbered. */
export function diffLines(patch: string): DiffLine[] {
  const lines: DiffLine[] = [];
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  for (const text of patch.split('\n')) {
    const hunk = HUNK.exec(text);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      inHunk = true;
      lines.push({ kind: 'hunk', text, oldLine: null, newLine: null });
    } else if (!inHunk) {
      if (text.startsWith('Binary files')) lines.push({ kind: 'note', text, oldLine: null, newLine: null });
    } else if (text.startsWith('+')) {
      lines.push({ kind: 'add', text: text.slice(1), oldLine: null, newLine: newLine++ });
    } else if (text.startsWith('-')) {
      lines.push({ kind: 'del', text: text.slice(1), oldLine: oldLine++, newLine: null });
    } else if (text.startsWith('\\')) {
      lines.push({ kind: 'note', text: text.slice(2), oldLine: null, newLine: null });
    } else if (text !== '' || lines.length > 0) {
      lines.push({ kind: 'context', text: text.slice(1), oldLine: oldLine++, newLine: newLine++ });
    }
  }
  // The patch ends with a newline: its last, empty "line" is not a line of the file.
  while (lines.at(-1)?.kind === 'context' && lines.at(-1)!.text === '') lines.pop();
  return lines;
}

const SIGN = { add: '+', del: '−', context: ' ', hunk: '', note: '' } as const;

export function DiffView({ file }: { file: DiffFile }) {
  const lines = diffLines(file.patch);
  if (file.binary) return <p className="muted pad">Binary file, not shown.</p>;
  if (lines.length === 0) return <p className="muted pad">No line changed (a rename or a mode change).</p>;
  return (
    <table className="diff" data-testid="diff">
      <tbody>
        {lines.map((line, index) => (
          <tr key={index} className={`diff-line diff-${line.kind}`} data-kind={line.kind}>
            <td className="diff-num" aria-hidden>
              {line.oldLine ?? ''}
            </td>
            <td className="diff-num" aria-hidden>
              {line.newLine ?? ''}
            </td>
            <td className="diff-sign" aria-hidden>
              {SIGN[line.kind]}
            </td>
            <td className="diff-text">
              {line.kind === 'add' && <span className="sr-only">added: </span>}
              {line.kind === 'del' && <span className="sr-only">deleted: </span>}
              {line.text}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
