import * as Dialog from '@radix-ui/react-dialog';

export const SHORTCUTS: [string, string][] = [
  ['?', 'Show these shortcuts'],
  ['1 · 2 · 3', 'Active board · Templates · Completed'],
  ['/', 'Search'],
  ['n', 'Start a new run'],
  ['a', 'Approve the oldest run waiting at a gate'],
  ['r', 'Resume or retry the oldest paused or failed run'],
  ['o', 'Open the oldest run waiting on you'],
  ['Enter', 'Open the focused card'],
  ['Space, ← →, Space', 'Move the focused card to another phase'],
  ['Esc', 'Close the detail or a dialog'],
];

export function ShortcutsDialog({ open, onOpenChange }: { open: boolean; onOpenChange(open: boolean): void }) {
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog" aria-describedby={undefined}>
          <Dialog.Title className="dialog-title">Keyboard shortcuts</Dialog.Title>
          <dl className="shortcuts">
            {SHORTCUTS.map(([keys, what]) => (
              <div key={keys}>
                <dt>
                  {keys
                    .split(' ')
                    .map((k, i) => (k.length <= 5 && k !== '·' && k !== ',' ? <kbd key={i}>{k}</kbd> : ` ${k} `))}
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
          <div className="dialog-actions">
            <Dialog.Close className="btn">Close</Dialog.Close>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
