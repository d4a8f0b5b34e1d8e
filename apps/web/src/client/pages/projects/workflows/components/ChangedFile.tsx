/**
 * One changed file in the Changes tab: a header that folds it (path, status, +/− counts, how many comments are on
 * its lines) and its diff. A large diff starts folded, with a button that shows it, so a generated file does not
 * bury the rest.
 */
import type { ReactNode } from 'react';
import type { DiffFile } from '../../../../../protocol/diffs.ts';
import { Icon } from '../../../../components/Icon.tsx';
import type { DiffHunk } from '../lib/diffModel.ts';
import { lineCount } from '../lib/diffModel.ts';

/** Past this many drawn lines a file's diff starts folded. */
export const LARGE_DIFF_LINES = 400;

export const STATUS_LETTER = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R', copied: 'C', type_changed: 'T' };

export const fileAnchorId = (path: string) => `diff-${encodeURIComponent(path)}`;

export interface ChangedFileProps {
  file: DiffFile;
  hunks: DiffHunk[];
  open: boolean;
  comments: number;
  onToggle(open: boolean): void;
  children: ReactNode;
}

export function ChangedFile({ file, hunks, open, comments, onToggle, children }: ChangedFileProps) {
  const lines = lineCount(hunks);
  return (
    <section
      id={fileAnchorId(file.path)}
      className={`diff-file${open ? '' : ' diff-file-folded'}`}
      data-testid="diff-file"
      data-path={file.path}
    >
      <h4 className="diff-file-head">
        <button
          type="button"
          className="diff-file-toggle"
          aria-expanded={open}
          aria-label={`${open ? 'Fold' : 'Unfold'} ${file.path}`}
          onClick={() => onToggle(!open)}
        >
          <Icon name="chevron" size={12} />
        </button>
        <span className={`chip change-${file.status}`} title={file.status}>
          {STATUS_LETTER[file.status]}
        </span>
        <span className="diff-file-name mono">{file.old_path ? `${file.old_path} → ${file.path}` : file.path}</span>
        <span className="toolbar-spacer" />
        {comments > 0 && (
          <span className="chip" title={`${comments} comment${comments === 1 ? '' : 's'} on its lines`}>
            <Icon name="comment" size={12} /> {comments}
          </span>
        )}
        {!file.binary && (
          <span className="diff-file-counts">
            <span className="diff-count-add">+{file.additions}</span>{' '}
            <span className="diff-count-del">−{file.deletions}</span>
          </span>
        )}
      </h4>
      {open ? (
        children
      ) : lines > LARGE_DIFF_LINES ? (
        <p className="diff-folded-note">
          A large diff ({lines.toLocaleString()} lines), folded.{' '}
          <button type="button" className="btn btn-sm" onClick={() => onToggle(true)}>
            Show
          </button>
        </p>
      ) : null}
    </section>
  );
}
