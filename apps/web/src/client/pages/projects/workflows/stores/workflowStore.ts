/**
 * `workflowStore`: what the board knows that is not a server resource — the open run, the live step output the
 * socket delivers (for the Logs tab), the socket's state, the toasts — with immutable updates only. Server data
 * (cards, runs, templates) lives in TanStack Query's cache, which the socket patches in place.
 */
import { create } from 'zustand';
import type { StepProgress } from '../../../../../protocol/events.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveProgress {
  progress: StepProgress;
  receivedAt: number;
}

export interface Toast {
  id: number;
  tone: 'success' | 'danger' | 'info';
  title: string;
  body?: string;
  runId?: string;
}

const MAX_LIVE_LINES = 2_000;

interface WorkflowState {
  currentExecutionId: string | null;
  connection: ConnectionState;
  /** Progress of running steps by `${runId}:${stepId}`, newest last, bounded. */
  liveProgress: Record<string, LiveProgress[]>;
  toasts: Toast[];
  setCurrentExecution(runId: string | null): void;
  setConnection(state: ConnectionState): void;
  appendProgress(runId: string, stepId: string, progress: StepProgress): void;
  clearProgress(runId: string, stepId: string): void;
  pushToast(toast: Omit<Toast, 'id'>): void;
  dismissToast(id: number): void;
}

let nextToastId = 1;

export const progressKey = (runId: string, stepId: string) => `${runId}:${stepId}`;

export const useWorkflowStore = create<WorkflowState>()((set) => ({
  currentExecutionId: null,
  connection: 'connecting',
  liveProgress: {},
  toasts: [],
  setCurrentExecution: (runId) => set({ currentExecutionId: runId }),
  setConnection: (connection) => set({ connection }),
  appendProgress: (runId, stepId, progress) =>
    set((state) => {
      const key = progressKey(runId, stepId);
      const lines = [...(state.liveProgress[key] ?? []), { progress, receivedAt: Date.now() }];
      return { liveProgress: { ...state.liveProgress, [key]: lines.slice(-MAX_LIVE_LINES) } };
    }),
  clearProgress: (runId, stepId) =>
    set((state) => {
      const { [progressKey(runId, stepId)]: _dropped, ...rest } = state.liveProgress;
      return { liveProgress: rest };
    }),
  pushToast: (toast) => set((state) => ({ toasts: [...state.toasts.slice(-4), { ...toast, id: nextToastId++ }] })),
  dismissToast: (id) => set((state) => ({ toasts: state.toasts.filter((t) => t.id !== id) })),
}));
