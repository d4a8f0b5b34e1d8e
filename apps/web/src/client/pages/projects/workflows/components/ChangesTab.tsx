/**
 * The run detail's Changes tab: what a worktree run changed — all of it (its branch against its base) or one
 * step's commit — as a list of files with their additions and deletions and each file's diff below, the commands
 * to merge the branch, and "Fork from here" for the step shown.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ChangeSet } from '../../../../../protocol/diffs.ts';
import type { RunDetail, Step } from '../../../../../protocol/runs.ts';
import { queries } from '../../../../lib/queries.ts';
import { Skeleton } from '../../../../components/Skeleton.tsx';
import { DiffView } from './DiffView.tsx';

export interface ChangesTabProps {
  run: RunDetail;
  /** The step selected in the timeline, if any. */
  step: Step | null;
  onFork(stepRowId: string): void;
  forking: boolean;
}

const STATUS_LETTER = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R', copied: 'C', type_changed: 'T' };

export function ChangesTab({ run, step, onFork, forking }: ChangesTabProps) {
  const [scope, setScope] = useState<'run' | 'step'>(step?.output?.commit ? 'step' : 'run');
  const showStep = scope === 'step' && step !== null;
  const changes = useQuery({
    ...(showStep ? queries.stepChanges(step.id) : queries.runChanges(run.id)),
    enabled: run.workspace.mode === 'worktree',
  });
  if (run.workspace.mode !== 'worktree') {
    return (
      <p className="muted pad" data-testid="changes-in-place">
        This run works in place, in the project directory itself: Switchyard keeps no commits of its changes.
        {run.workspace.note && ` ${run.workspace.note}.`}
      </p>
    );
  }
  const { branch, base, base_ref: baseRef } = run.workspace;
  return (
    <div className="changes" data-testid="changes">
      <div className="tab-bar">
        <div className="segmented" role="group" aria-label="Changes of">
          <button aria-pressed={!showStep} onClick={() => setScope('run')}>
            All changes
          </button>
          <button aria-pressed={showStep} disabled={!step} onClick={() => setScope('step')}>
            {step ? `Step: ${step.name}` : 'Step'}
          </button>
        </div>
        <span className="toolbar-spacer" />
        {step && step.invalidated_at === null && (
          <button className="btn btn-sm" disabled={forking} onClick={() => onFork(step.id)} data-testid="fork-step">
            Fork from here
          </button>
        )}
      </div>
      {changes.data ? (
        <ChangeList changes={changes.data} />
      ) : changes.error ? (
        <div className="banner banner-danger">{String(changes.error.message)}</div>
      ) : (
        <Skeleton height={120} />
      )}
      <details className="merge-help">
        <summary>Merge this run’s branch</summary>
        <pre className="mono">
          {`git log --oneline ${base?.slice(0, 12)}..${branch}\n` +
            `git switch ${baseRef ?? '<your branch>'}\n` +
            `git merge --ff-only ${branch}   # or: git merge ${branch}`}
        </pre>
      </details>
    </div>
  );
}

function ChangeList({ changes }: { changes: ChangeSet }) {
  const { stats, files, pagination } = changes;
  if (stats.files === 0) return <p className="muted pad">No file changed.</p>;
  return (
    <>
      <p className="changes-stats" data-testid="changes-stats">
        {stats.files} {stats.files === 1 ? 'file' : 'files'} changed,{' '}
        <span className="diff-count-add">+{stats.additions}</span>{' '}
        <span className="diff-count-del">−{stats.deletions}</span>
      </p>
      <ul className="changes-files" aria-label="Changed files">
        {files.map((file) => (
          <li key={file.path}>
            <a href={`#diff-${encodeURIComponent(file.path)}`} className="changes-file" data-testid="changed-file">
              <span className={`chip change-${file.status}`} title={file.status}>
                {STATUS_LETTER[file.status]}
              </span>
              <span className="mono">{file.old_path ? `${file.old_path} → ${file.path}` : file.path}</span>
              <span className="toolbar-spacer" />
              {file.binary ? (
                <span className="muted">binary</span>
              ) : (
                <>
                  <span className="diff-count-add">+{file.additions}</span>
                  <span className="diff-count-del">−{file.deletions}</span>
                </>
              )}
            </a>
          </li>
        ))}
      </ul>
      {pagination.total > files.length && (
        <p className="muted">
          Showing {files.length} of {pagination.total} files.
        </p>
      )}
      {files.map((file) => (
        <section key={file.path} id={`diff-${encodeURIComponent(file.path)}`} className="diff-file">
          <h4 className="diff-file-name mono">{file.path}</h4>
          <DiffView file={file} />
        </section>
      ))}
    </>
  );
}
