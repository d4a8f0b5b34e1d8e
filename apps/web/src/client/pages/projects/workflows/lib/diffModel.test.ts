import { describe, expect, it } from 'vitest';
import { lineAnchor, lineCount, parseHunks, splitRows } from './diffModel.ts';

const PATCH = [
  'diff --git a/notes.md b/notes.md',
  'index 1111111..2222222 100644',
  '--- a/notes.md',
  '+++ b/notes.md',
  '@@ -1,4 +1,5 @@',
  ' # Notes',
  '-first line',
  '-second line',
  '+first line, revised',
  '+second line, revised',
  '+an added line',
  ' ',
  '-last',
  '\\ No newline at end of file',
  '+last',
  '@@ -20,2 +21,1 @@ function tail() {',
  '-gone',
  ' kept',
  '',
].join('\n');

describe('a unified diff read into hunks', () => {
  it('numbers each line in the old and the new file, and keeps notes', () => {
    const [first, second] = parseHunks(PATCH);
    expect(first!.header).toBe('@@ -1,4 +1,5 @@');
    expect(first!.lines.map((l) => [l.kind, l.oldLine, l.newLine, l.text])).toEqual([
      ['context', 1, 1, '# Notes'],
      ['del', 2, null, 'first line'],
      ['del', 3, null, 'second line'],
      ['add', null, 2, 'first line, revised'],
      ['add', null, 3, 'second line, revised'],
      ['add', null, 4, 'an added line'],
      ['context', 4, 5, ''],
      ['del', 5, null, 'last'],
      ['note', null, null, 'No newline at end of file'],
      ['add', null, 6, 'last'],
    ]);
    expect(second!.lines.map((l) => [l.kind, l.oldLine, l.newLine])).toEqual([
      ['del', 20, null],
      ['context', 21, 21],
    ]);
    expect(lineCount([first!, second!])).toBe(10 + 2 + 2);
  });

  it('has no hunks for a binary file or a pure rename', () => {
    expect(parseHunks('diff --git a/x.png b/x.png\nBinary files a/x.png and b/x.png differ\n')).toEqual([]);
    expect(parseHunks('diff --git a/a.ts b/b.ts\nsimilarity index 100%\nrename from a.ts\nrename to b.ts\n')).toEqual(
      [],
    );
  });
});

describe('side-by-side rows', () => {
  it('pairs each change block’s n-th deletion with its n-th addition, context on both sides', () => {
    const [hunk] = parseHunks(PATCH);
    const rows = splitRows(hunk!.lines).map((row) =>
      row.kind === 'note' ? ['note', row.text] : [row.old?.oldLine ?? null, row.new?.newLine ?? null],
    );
    expect(rows).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [null, 4],
      [4, 5],
      [5, 6],
      ['note', 'No newline at end of file'],
    ]);
  });

  it('leaves the new side empty for deletions without additions, and the old side for additions alone', () => {
    const lines = parseHunks('@@ -1,3 +1,2 @@\n-a\n-b\n c\n+d\n').at(0)!.lines;
    expect(
      splitRows(lines).map((row) => row.kind === 'pair' && [row.old?.text ?? null, row.new?.text ?? null]),
    ).toEqual([
      ['a', null],
      ['b', null],
      ['c', 'c'],
      [null, 'd'],
    ]);
  });

  it('anchors a deletion on the old side and context or an addition on the new one, unless a side is asked for', () => {
    const [context, deleted, added] = parseHunks('@@ -7,2 +7,2 @@\n x\n-y\n+z\n').at(0)!.lines;
    expect(lineAnchor(context!)).toEqual({ side: 'new', line: 7 });
    expect(lineAnchor(context!, 'old')).toEqual({ side: 'old', line: 7 });
    expect(lineAnchor(deleted!)).toEqual({ side: 'old', line: 8 });
    expect(lineAnchor(added!)).toEqual({ side: 'new', line: 8 });
    expect(lineAnchor(added!, 'old')).toBeNull();
  });
});
