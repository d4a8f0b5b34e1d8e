import { useWorkflowStore } from '../stores/workflowStore.ts';

const TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' } as const;

/** Whether live updates are flowing: a dot and a word, announced when it changes. */
export function ConnectionIndicator() {
  const state = useWorkflowStore((s) => s.connection);
  return (
    <span className={`connection connection-${state}`} role="status" data-testid="connection" data-state={state}>
      <span className="connection-dot" aria-hidden />
      {TEXT[state]}
    </span>
  );
}
