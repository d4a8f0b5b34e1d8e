/**
 * A run's controls as a menu (on the card and in the detail's header): only the actions its status allows, each
 * reachable by keyboard. Cancel and delete ask first (the caller owns the confirmation).
 */
import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import type { RunStatus } from '@switchyard/workflow-engine/vocabulary';
import type { Phase } from '../../../../../protocol/templates.ts';
import type { RunAction } from '../hooks/useRunActions.ts';

export interface RunMenuProps {
  status: RunStatus;
  phases: Phase[];
  label: string;
  /** The gate a waiting run stands at: its approval can be refused with a request for changes. */
  waitingGate?: string | null;
  onAction(action: RunAction): void;
}

export function availableActions(status: RunStatus): RunAction['kind'][] {
  switch (status) {
    case 'pending':
      return ['cancel'];
    case 'running':
      return ['pause', 'cancel'];
    case 'paused':
      return ['resume', 'rerun', 'cancel'];
    case 'waiting':
      return ['advance', 'rerun', 'cancel'];
    case 'failed':
      return ['resume', 'rerun', 'delete'];
    case 'completed':
    case 'cancelled':
      return ['rerun', 'delete'];
  }
}

export function RunMenu({ status, phases, label, waitingGate, onAction }: RunMenuProps) {
  const actions = availableActions(status);
  return (
    <DropdownMenu.Root modal={false}>
      <DropdownMenu.Trigger className="icon-btn run-menu-trigger" aria-label={`Actions for ${label}`}>
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden>
          <circle cx="3.5" cy="8" r="1.3" />
          <circle cx="8" cy="8" r="1.3" />
          <circle cx="12.5" cy="8" r="1.3" />
        </svg>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content className="menu" align="end" sideOffset={4} onClick={(e) => e.stopPropagation()}>
          {actions.includes('advance') && (
            <DropdownMenu.Item className="menu-item" onSelect={() => onAction({ kind: 'advance' })}>
              Approve gate <kbd>a</kbd>
            </DropdownMenu.Item>
          )}
          {actions.includes('advance') && waitingGate && phases.findIndex((p) => p.id === waitingGate) > 0 && (
            <DropdownMenu.Item className="menu-item" onSelect={() => onAction({ kind: 'request-changes' })}>
              Request changes…
            </DropdownMenu.Item>
          )}
          {actions.includes('resume') && (
            <DropdownMenu.Item className="menu-item" onSelect={() => onAction({ kind: 'resume' })}>
              {status === 'failed' ? 'Retry' : 'Resume'} <kbd>r</kbd>
            </DropdownMenu.Item>
          )}
          {actions.includes('pause') && (
            <>
              <DropdownMenu.Item className="menu-item" onSelect={() => onAction({ kind: 'pause' })}>
                Pause at the next step
              </DropdownMenu.Item>
              <DropdownMenu.Item className="menu-item" onSelect={() => onAction({ kind: 'pause', now: true })}>
                Pause now
              </DropdownMenu.Item>
            </>
          )}
          {actions.includes('rerun') && phases.length > 0 && (
            <DropdownMenu.Sub>
              <DropdownMenu.SubTrigger className="menu-item">Re-run from phase ›</DropdownMenu.SubTrigger>
              <DropdownMenu.Portal>
                <DropdownMenu.SubContent className="menu" sideOffset={4}>
                  {phases.map((phase) => (
                    <DropdownMenu.Item
                      key={phase.id}
                      className="menu-item"
                      onSelect={() => onAction({ kind: 'rerun', phase: phase.id })}
                    >
                      {phase.label}
                    </DropdownMenu.Item>
                  ))}
                </DropdownMenu.SubContent>
              </DropdownMenu.Portal>
            </DropdownMenu.Sub>
          )}
          {(actions.includes('cancel') || actions.includes('delete')) && (
            <DropdownMenu.Separator className="menu-sep" />
          )}
          {actions.includes('cancel') && (
            <DropdownMenu.Item className="menu-item danger" onSelect={() => onAction({ kind: 'cancel' })}>
              Cancel run…
            </DropdownMenu.Item>
          )}
          {actions.includes('delete') && (
            <DropdownMenu.Item className="menu-item danger" onSelect={() => onAction({ kind: 'delete' })}>
              Delete run…
            </DropdownMenu.Item>
          )}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
