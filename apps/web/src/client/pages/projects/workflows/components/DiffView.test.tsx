// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { Comment } from '../../../../../protocol/comments.ts';
import type { DiffFile } from '../../../../../protocol/diffs.ts';
import { parseHunks } from '../lib/diffModel.ts';
import { DiffView } from './DiffView.tsx';
import type { DiffMode } from './DiffView.tsx';

const file: DiffFile = {
  path: 'notes.txt',
  old_path: null,
  status: 'modified',
  additions: 3,
  deletions: 1,
  binary: false,
  patch:
    'diff --git a/notes.txt b/notes.txt\n@@ -1,3 +1,5 @@\n # Notes\n-first line\n+first line, revised\n+an extra line\n second line\n+third line\n',
};

const comment = (text: string, side: 'new' | 'old', line: number): Comment => ({
  id: `00000000-0000-0000-0000-00000000000${line}`,
  workflow_run_id: '00000000-0000-0000-0000-0000000000aa',
  workflow_run_step_id: null,
  text,
  comment_type: 'user',
  created_by: null,
  dedupe_key: null,
  anchor: { file: file.path, line, side },
  artifacts: [],
  created_at: '2026-12-02T06:00:00.000Z',
  updated_at: '2026-12-02T06:00:00.000Z',
});

function renderDiff(mode: DiffMode, threads = new Map<string, Comment[]>()) {
  const opened: string[] = [];
  render(
    <DiffView
      file={file}
      hunks={parseHunks(file.patch)}
      mode={mode}
      threads={threads}
      renderComposer={(at, text, close) => {
        opened.push(`${at.side}:${at.line}:${text}`);
        return (
          <button type="button" onClick={close}>
            composer for {at.side} {at.line}
          </button>
        );
      }}
    />,
  );
  return { opened, table: screen.getByTestId('diff') };
}

const rowTexts = (table: HTMLElement) =>
  [...table.querySelectorAll('tbody tr')].map((row) =>
    [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '').join('|'),
  );

afterEach(cleanup);

describe('a diff side by side', () => {
  it('puts a deletion and the addition replacing it on one row, line numbers on both sides', () => {
    const { table } = renderDiff('split');
    expect(rowTexts(table)).toEqual([
      '@@ -1,3 +1,5 @@',
      '1|| |# Notes|1|| |# Notes',
      '2||−|deleted: first line|2||+|added: first line, revised',
      '||||3||+|added: an extra line',
      '3|| |second line|4|| |second line',
      '||||5||+|added: third line',
    ]);
    expect(table.querySelectorAll('td.diff-empty[data-side=old]')).toHaveLength(2);
    expect(table.querySelector('[data-line-key="old:2"]')?.getAttribute('data-kind')).toBe('del');
    expect(table.querySelector('[data-line-key="new:2"]')?.getAttribute('data-kind')).toBe('add');
  });

  it('opens a comment box under the side of the line whose "+" was pressed, and closes it', () => {
    const { opened, table } = renderDiff('split');
    fireEvent.click(screen.getByRole('button', { name: 'Comment on notes.txt:2 (old)' }));
    expect(opened).toEqual(['old:2:first line']);
    const thread = table.querySelector('.diff-thread-row')!;
    const [left, right] = thread.querySelectorAll('td');
    expect(left!.textContent).toBe('composer for old 2');
    expect(right!.textContent).toBe('');
    fireEvent.click(within(left!).getByRole('button'));
    expect(table.querySelector('.diff-thread-row')).toBeNull();
  });

  it('shows the comments on a line under it, each on its own side', () => {
    const threads = new Map([
      ['new:4', [comment('Keep this line', 'new', 4)]],
      ['old:2', [comment('Why drop it?', 'old', 2)]],
    ]);
    const { table } = renderDiff('split', threads);
    const rows = [...table.querySelectorAll('tbody tr')];
    const threadRows = rows.filter((row) => row.classList.contains('diff-thread-row'));
    const cells = threadRows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? ''));
    expect(cells).toHaveLength(2);
    expect(cells[0]![0]).toContain('Why drop it?');
    expect(cells[0]![1]).toBe('');
    expect(cells[1]![0]).toBe('');
    expect(cells[1]![1]).toContain('Keep this line');
    // Each thread follows the row of its line.
    expect(rows[rows.indexOf(threadRows[1]!) - 1]!.querySelector('[data-line-key="new:4"]')).not.toBeNull();
  });
});

describe('a diff inline', () => {
  it('lists every line once, in order, with old and new numbers, and comments under theirs', () => {
    const { table, opened } = renderDiff('inline', new Map([['new:3', [comment('Say why', 'new', 3)]]]));
    expect(rowTexts(table).filter((row) => !row.includes('Say why'))).toEqual([
      '@@ -1,3 +1,5 @@',
      '1|1|| |# Notes',
      '2|||−|deleted: first line',
      '|2||+|added: first line, revised',
      '|3||+|added: an extra line',
      '3|4|| |second line',
      '|5||+|added: third line',
    ]);
    const thread = table.querySelector('.diff-thread-row')!;
    expect(thread.previousElementSibling!.getAttribute('data-line-key')).toBe('new:3');
    expect(thread.textContent).toContain('Say why');
    fireEvent.click(screen.getByRole('button', { name: 'Comment on notes.txt:4' }));
    expect(opened).toEqual(['new:4:second line']);
  });
});
