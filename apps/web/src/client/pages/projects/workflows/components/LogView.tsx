/**
 * The Logs tab's reader for one step: `events` as a live transcript (the log file, then what the socket delivers),
 * or `input` / `output` / `summary` as text. It follows new output until the reader scrolls up, and resumes when
 * they scroll back to the bottom. Find highlights matches; Copy copies the whole log.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Step } from '../../../../../protocol/runs.ts';
import { queries } from '../../../../lib/queries.ts';
import { Icon } from '../../../../components/Icon.tsx';
import { progressKey, useWorkflowStore } from '../stores/workflowStore.ts';
import { buildTranscript, parseEventLog, transcriptText } from '../lib/transcript.ts';
import { TranscriptEntryView } from './Transcript.tsx';

import type { LogType } from './detailTabs.ts';
export { LOG_TYPES } from './detailTabs.ts';
export type { LogType } from './detailTabs.ts';

const EMPTY: never[] = [];

export function LogView({ step, type }: { step: Step; type: LogType }) {
  const finished = step.status !== 'pending' && step.status !== 'running';
  // Output and summary are written when a step finishes, events and input when it starts: asking earlier is a 404.
  const exists = type === 'events' || type === 'input' ? step.status !== 'pending' : finished;
  const log = useQuery({ ...queries.stepLog(step.id, type), enabled: exists });
  const live = useWorkflowStore((s) => s.liveProgress[progressKey(step.workflow_run_id, step.step_id)] ?? EMPTY);
  const [find, setFind] = useState('');
  const [follow, setFollow] = useState(true);
  const [copied, setCopied] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const running = step.status === 'running';
  const { refetch } = log;

  // A finished step's file is complete: read it again once it finishes, dropping what the socket streamed.
  useEffect(() => {
    if (!running && exists) void refetch();
  }, [running, exists, refetch]);

  const entries = useMemo(() => {
    if (type !== 'events') return [];
    const fetchedAt = log.data?.fetchedAt ?? 0;
    const fromFile = parseEventLog(log.data?.text ?? '');
    const fresh = running ? live.filter((p) => p.receivedAt > fetchedAt).map((p) => p.progress) : [];
    return buildTranscript([...fromFile, ...fresh]);
  }, [type, log.data, live, running]);

  const plain = type === 'events' ? entries.map(transcriptText).join('\n') : (log.data?.text ?? '');

  useEffect(() => {
    const node = scroller.current;
    if (follow && node) node.scrollTop = node.scrollHeight;
  }, [plain, follow]);

  const onScroll = () => {
    const node = scroller.current;
    if (!node) return;
    const atBottom = node.scrollHeight - node.scrollTop - node.clientHeight < 24;
    setFollow(atBottom);
  };

  const hits = find ? plain.toLowerCase().split(find.toLowerCase()).length - 1 : 0;

  return (
    <div className="logview">
      <div className="logview-bar">
        <div className="search search-sm">
          <Icon name="search" />
          <input
            type="search"
            placeholder="Find in log"
            aria-label="Find in log"
            value={find}
            onChange={(event) => setFind(event.target.value)}
          />
          {find && <span className="hits">{hits} found</span>}
        </div>
        {running && (
          <span className={`follow-state${follow ? ' is-following' : ''}`} data-testid="follow-state">
            {follow ? 'Following live output' : 'Paused: scrolled up'}
          </span>
        )}
        {!follow && (
          <button className="btn btn-sm" onClick={() => setFollow(true)}>
            Jump to latest
          </button>
        )}
        <button
          className="btn btn-sm"
          onClick={() => {
            void navigator.clipboard?.writeText(plain).then(() => setCopied(true));
            setTimeout(() => setCopied(false), 1500);
          }}
        >
          <Icon name="copy" /> {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <div className="logview-body" ref={scroller} onScroll={onScroll} data-testid="log-body" tabIndex={0}>
        {!exists ? (
          <p className="muted">
            {step.status === 'pending'
              ? 'This step has not started.'
              : `The ${type} is written when the step finishes.`}
          </p>
        ) : log.isPending ? (
          <p className="muted">Loading…</p>
        ) : log.data?.text === null && entries.length === 0 ? (
          <p className="muted">No {type} log for this step.</p>
        ) : type === 'events' ? (
          entries.length === 0 ? (
            <p className="muted">{running ? 'Waiting for output…' : 'This step produced no events.'}</p>
          ) : (
            entries.map((entry, index) => <TranscriptEntryView key={index} entry={entry} find={find} />)
          )
        ) : (
          <pre className="t-pre log-plain">{log.data?.text}</pre>
        )}
        {running && <span className="spinner log-spinner" aria-label="Step running" />}
      </div>
    </div>
  );
}
