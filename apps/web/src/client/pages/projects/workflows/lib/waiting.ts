/**
 * Who waits on a person: runs at a gate, paused (by a person or a budget), or failed — oldest first, because the
 * one waiting longest is the one to unblock first. A sleeping run waits on its clock, not on anyone.
 */
import type { BoardCard } from '../../../../../protocol/board.ts';

export type WaitReason = 'gate' | 'input' | 'paused' | 'failed';

export function waitReason(
  card: Pick<BoardCard, 'status'> & Partial<Pick<BoardCard, 'wake_at' | 'current_step'>>,
): WaitReason | null {
  // An input step with a timeout has a wake time too; it still waits on a person first.
  if (card.status === 'waiting' && card.current_step?.type === 'input') return 'input';
  // An event comes from a webhook, not from whoever looks at the board.
  if (card.status === 'waiting' && card.current_step?.type === 'event') return null;
  if (card.status === 'waiting') return card.wake_at ? null : 'gate';
  if (card.status === 'paused') return 'paused';
  if (card.status === 'failed') return 'failed';
  return null;
}

/** What a waiting run waits for, in the words of its badge; undefined for other statuses, and gates. */
export function waitingLabel(
  card: Pick<BoardCard, 'status'> & Partial<Pick<BoardCard, 'wake_at' | 'current_step'>>,
): string | undefined {
  const reason = waitReason(card);
  if (reason === 'input') return 'Needs input';
  if (card.status === 'waiting' && card.current_step?.type === 'event') return 'Waiting for event';
  if (card.status === 'waiting' && reason === null) return 'Sleeping';
  return undefined;
}

export function waitingOnYou(cards: BoardCard[]): BoardCard[] {
  return cards
    .filter((card) => waitReason(card) !== null)
    .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at));
}
