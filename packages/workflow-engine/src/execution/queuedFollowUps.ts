/**
 * What a running agent step does with its follow-up queue. Before its first turn, it takes the request for changes
 * its phase was re-run with, if any: the turn continues the superseded record's session with the reviewer's comment
 * instead of starting over. After its turn, it sends each follow-up queued meanwhile, oldest first, as one more turn
 * of the same session — before its result is journaled — and again until none is left; each exchange becomes the
 * step's comments. A turn cut short (pause, crash) leaves its follow-up `delivering` under its key: the resumed step
 * sends it again, and its message is not written twice.
 */
import type { AgentResult, EventSink, FollowUpQueue, QueuedFollowUp, RunStore } from '../ports.ts';
import type { StepError } from '../types/step.ts';
import { addFollowUpComment, followUpOrdinal, nextFollowUpKey, replyText } from './followUpComments.ts';

export interface StepFollowUps {
  /** The request for changes this step starts with, taken: the session to continue and the comment. */
  takeChangeRequest(): Promise<QueuedFollowUp | undefined>;
  changeRequestAnswered(request: QueuedFollowUp): Promise<void>;
  /** Sends the queued follow-ups, each as a `turn` of the session whose turn just ended; stops without a reply once `signal` fires. */
  deliverQueued(
    turn: (message: string) => Promise<{ result: AgentResult | null; error: StepError | null }>,
    options: { signal: AbortSignal; log(message: string): void },
  ): Promise<void>;
}

export function stepFollowUps(
  deps: { store: RunStore; events: EventSink; queue: FollowUpQueue | undefined },
  runId: string,
  stepId: string,
): StepFollowUps | undefined {
  const { queue } = deps;
  if (!queue) return undefined;
  const journal = { ...deps, queue };
  return {
    async takeChangeRequest() {
      const requests = await queue.pending(runId, stepId, 'changes');
      const latest = requests.at(-1);
      // Requests the run never re-ran for (it stopped between the two writes) are superseded by the latest.
      for (const older of requests.slice(0, -1)) {
        if (await queue.take(older.id, null)) await queue.delivered(older.id);
      }
      return latest && queue.take(latest.id, null);
    },
    async changeRequestAnswered(request) {
      await queue.delivered(request.id);
    },
    async deliverQueued(turn, { signal, log }) {
      for (;;) {
        const [next] = await queue.pending(runId, stepId, 'message');
        if (!next || signal.aborted) return;
        const taken = await queue.take(next.id, next.key ?? (await nextFollowUpKey(journal, runId, stepId)));
        if (!taken?.key) continue;
        await addFollowUpComment(journal, { runId, stepId, key: taken.key, text: taken.message, type: 'user' });
        log(`follow-up ${followUpOrdinal(taken.key)}: ${taken.message}`);
        const answer = await turn(taken.message);
        if (signal.aborted) return;
        const text = replyText(answer.result, answer.error);
        await addFollowUpComment(journal, { runId, stepId, key: `${taken.key}:reply`, text, type: 'agent' });
        await queue.delivered(taken.id);
      }
    },
  };
}

/** What a re-run agent step is told, in its own session, when its phase was sent back from a gate. */
export function changesPrompt(comment: string): string {
  return `Your work was reviewed at a gate, and changes were requested before it can be approved:\n\n${comment}\n\nMake these changes, then answer as you did before.`;
}
