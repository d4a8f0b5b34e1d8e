/**
 * Who waits on a person: runs at a gate, paused (by a person or a budget), or failed — oldest first, because the
 * one waiting longest is the one to unblock first. A sleeping run waits on its clock, not on anyone.
 */
import type { BoardCard } from '../../../../../protocol/board.ts';

export type WaitReason = 'gate' | 'paused' | 'failed';

export function waitReason(card: Pick<BoardCard, 'status'> & { wake_at?: string | null }): WaitReason | null {
  if (card.status === 'waiting') return card.wake_at ? null : 'gate';
  if (card.status === 'paused') return 'paused';
  if (card.status === 'failed') return 'failed';
  return null;
}

export function waitingOnYou(cards: BoardCard[]): BoardCard[] {
  return cards
    .filter((card) => waitReason(card) !== null)
    .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at));
}
