/**
 * The run detail's Changes tab: what a worktree run changed — all of it (its branch against its base) or one
 * step's commit — as a list of files with their additions and deletions and each file's diff below (inline or side
 * by side, foldable), comments on diff lines, the commands to merge the branch, and "Fork from here" for the step
 * shown. A `line` URL parameter (`new:12:src/app.ts`, from a comment's `file:line` link) opens it at that line.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { Comment } from '../../../../../protocol/comments.ts';
import type { ChangeSet } from '../../../../../protocol/diffs.ts';
import type { RunDetail, Step } from '../../../../../protocol/runs.ts';
import { queries } from '../../../../lib/queries.ts';
import { useSearchParam } from '../../../../lib/router.ts';
import { Skeleton } from '../../../../components/Skeleton.tsx';
import { useDiffMode } from '../hooks/useDiffMode.ts';
import { useLineComment } from '../hooks/useLineComment.ts';
import { lineCount, lineKey, parseHunks } from '../lib/diffModel.ts';
import { anchorLabel, parseLineTarget } from '../lib/lineComment.ts';
import { ChangedFile, fileAnchorId, LARGE_DIFF_LINES, STATUS_LETTER } from './ChangedFile.tsx';
import { DiffView } from './DiffView.tsx';
import type { DiffMode, LineRef } from './DiffView.tsx';
import { LineCommentForm } from './LineComments.tsx';

export interface ChangesTabProps {
  run: RunDetail;
  /** The step selected in the timeline, if any. */
  step: Step | null;
  onFork(stepRowId: string): void;
  forking: boolean;
}

export function ChangesTab({ run, step, onFork, forking }: ChangesTabProps) {
  const [search] = useSearchParam();
  const target = parseLineTarget(search.get('line'));
  // A link to a run-level comment's line names no step: it opens all the changes, where that line is.
  const [scope, setScope] = useState<'run' | 'step'>(
    target ? (search.get('step') ? 'step' : 'run') : step?.output?.commit ? 'step' : 'run',
  );
  const [mode, setMode] = useDiffMode();
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
      <div className="tab-bar changes-bar">
        <div className="segmented" role="group" aria-label="Changes of">
          <button aria-pressed={!showStep} onClick={() => setScope('run')}>
            All changes
          </button>
          <button aria-pressed={showStep} disabled={!step} onClick={() => setScope('step')}>
            {step ? `Step: ${step.name}` : 'Step'}
          </button>
        </div>
        <div className="segmented" role="group" aria-label="Diff layout">
          {(
            [
              ['inline', 'Inline'],
              ['split', 'Side by side'],
            ] as const
          ).map(([value, label]) => (
            <button key={value} aria-pressed={mode === value} onClick={() => setMode(value)}>
              {label}
            </button>
          ))}
        </div>
        <span className="toolbar-spacer" />
        {step && step.invalidated_at === null && (
          <button className="btn btn-sm" disabled={forking} onClick={() => onFork(step.id)} data-testid="fork-step">
            Fork from here
          </button>
        )}
      </div>
      {changes.data ? (
        <ChangeList
          key={showStep ? step.id : 'run'}
          changes={changes.data}
          mode={mode}
          runId={run.id}
          step={showStep ? step : null}
          comments={run.comments}
          target={target}
        />
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

interface ChangeListProps {
  changes: ChangeSet;
  mode: DiffMode;
  runId: string;
  /** The step whose commit is shown; null for all the run's changes. */
  step: Step | null;
  comments: Comment[];
  target: ReturnType<typeof parseLineTarget>;
}

/** The comments on lines of this diff, by file and then by line: a step's on its commit, run-level ones on the run's. */
function threadsByFile(comments: Comment[], stepRowId: string | null): Map<string, Map<string, Comment[]>> {
  const byFile = new Map<string, Map<string, Comment[]>>();
  for (const comment of comments) {
    if (!comment.anchor || comment.workflow_run_step_id !== stepRowId) continue;
    const { file, side, line } = comment.anchor;
    const lines = byFile.get(file) ?? new Map<string, Comment[]>();
    const key = lineKey(side, line);
    lines.set(key, [...(lines.get(key) ?? []), comment]);
    byFile.set(file, lines);
  }
  return byFile;
}

function ChangeList({ changes, mode, runId, step, comments, target }: ChangeListProps) {
  const { stats, files, pagination } = changes;
  const hunks = useMemo(() => new Map(files.map((file) => [file.path, parseHunks(file.patch)])), [files]);
  const threads = useMemo(() => threadsByFile(comments, step?.id ?? null), [comments, step]);
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const { comment, followUp } = useLineComment(runId, step?.id ?? null);
  if (stats.files === 0) return <p className="muted pad">No file changed.</p>;

  const isOpen = (path: string) =>
    open[path] ?? (target?.file === path || lineCount(hunks.get(path)!) <= LARGE_DIFF_LINES);
  const allOpen = files.every((file) => isOpen(file.path));
  const canFollowUp = step?.type === 'agent';
  const composer = (path: string) => (at: LineRef, lineText: string, close: () => void) => {
    const anchor = { file: path, line: at.line, side: at.side };
    return (
      <LineCommentForm
        label={anchorLabel(anchor)}
        canFollowUp={canFollowUp}
        pending={comment.isPending}
        onCancel={close}
        onSubmit={(text, sendToAgent) =>
          comment.mutate({ text, anchor, lineText, followUp: sendToAgent }, { onSuccess: close })
        }
      />
    );
  };
  return (
    <>
      <div className="changes-summary">
        <p className="changes-stats" data-testid="changes-stats">
          {stats.files} {stats.files === 1 ? 'file' : 'files'} changed,{' '}
          <span className="diff-count-add">+{stats.additions}</span>{' '}
          <span className="diff-count-del">−{stats.deletions}</span>
        </p>
        {followUp.isPending && <span className="muted">The agent is answering your comment…</span>}
        <span className="toolbar-spacer" />
        <button
          className="btn btn-ghost btn-sm"
          onClick={() => setOpen(Object.fromEntries(files.map((file) => [file.path, !allOpen])))}
        >
          {allOpen ? 'Collapse all' : 'Expand all'}
        </button>
      </div>
      <ul className="changes-files" aria-label="Changed files">
        {files.map((file) => (
          <li key={file.path}>
            <a
              href={`#${fileAnchorId(file.path)}`}
              className="changes-file"
              data-testid="changed-file"
              onClick={() => setOpen({ ...open, [file.path]: true })}
            >
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
      {files.map((file) => {
        const fileThreads = threads.get(file.path);
        const count = [...(fileThreads?.values() ?? [])].reduce((sum, list) => sum + list.length, 0);
        return (
          <ChangedFile
            key={file.path}
            file={file}
            hunks={hunks.get(file.path)!}
            open={isOpen(file.path)}
            comments={count}
            onToggle={(next) => setOpen({ ...open, [file.path]: next })}
          >
            <DiffView
              file={file}
              hunks={hunks.get(file.path)!}
              mode={mode}
              threads={fileThreads}
              target={target?.file === file.path ? lineKey(target.side, target.line) : null}
              renderComposer={composer(file.path)}
            />
          </ChangedFile>
        );
      })}
    </>
  );
}
