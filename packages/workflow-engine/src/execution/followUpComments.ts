/**
 * How a follow-up exchange is journaled, whichever way it was delivered (to an ended turn, or queued until a running
 * one ended): two step comments under `follow-up:<step>:<n>` (the message, `user`) and `follow-up:<step>:<n>:reply`
 * (the answer, `agent`), each written once, so a replayed run shows the exchange and never sends it again.
 */
import type { AgentResult, EventSink, FollowUpQueue, RunComment, RunStore } from '../ports.ts';

const KEY = /^follow-up:(.+):(\d+)$/;

export interface FollowUpJournal {
  store: RunStore;
  events: EventSink;
  queue: FollowUpQueue | undefined;
}

/**
 * The step's next follow-up key. Numbers taken by queued follow-ups whose delivery began count too: one whose message
 * is not written yet keeps its number.
 */
export async function nextFollowUpKey(deps: FollowUpJournal, runId: string, stepId: string): Promise<string> {
  const [comments, queued] = await Promise.all([
    deps.store.listComments(runId),
    deps.queue ? deps.queue.list(runId) : Promise.resolve([]),
  ]);
  const taken = [...comments.map((c) => c.key), ...queued.map((q) => q.key)].map(followUpNumber(stepId));
  return `follow-up:${stepId}:${Math.max(0, ...taken) + 1}`;
}

function followUpNumber(stepId: string) {
  return (key: string | null): number => {
    const match = key ? KEY.exec(key) : null;
    return match?.[1] === stepId ? Number(match[2]) : 0;
  };
}

/** `follow-up:<step>:<n>` → n, for the log line that announces it. */
export function followUpOrdinal(key: string): string {
  return KEY.exec(key)?.[2] ?? '?';
}

export function replyText(result: AgentResult | null, error: { message: string } | null): string {
  if (!result) return `The agent failed: ${error?.message ?? 'it gave no answer'}`;
  return result.isError ? `The agent failed: ${result.errorMessage ?? result.text}` : result.text;
}

export async function addFollowUpComment(
  deps: FollowUpJournal,
  comment: { runId: string; stepId: string; key: string; text: string; type: 'user' | 'agent' },
): Promise<RunComment> {
  const { comment: written, created } = await deps.store.addComment(comment);
  if (created) {
    deps.events.emit({
      type: 'workflow.comment.created',
      data: { execution_id: comment.runId, step_id: comment.stepId, comment: written },
    });
  }
  return written;
}
