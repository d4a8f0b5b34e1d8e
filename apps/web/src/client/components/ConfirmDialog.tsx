/** A confirmation for what cannot be undone (cancel, delete) or changes history (re-run), as a Radix alert dialog. */
import type { ReactNode } from 'react';
import * as AlertDialog from '@radix-ui/react-alert-dialog';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  tone?: 'danger' | 'primary';
  busy?: boolean;
  onConfirm(): void;
  onOpenChange(open: boolean): void;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  return (
    <AlertDialog.Root open={props.open} onOpenChange={props.onOpenChange}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="overlay" />
        <AlertDialog.Content className="dialog confirm-dialog">
          <AlertDialog.Title className="dialog-title">{props.title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="dialog-body">{props.children}</div>
          </AlertDialog.Description>
          <div className="dialog-actions">
            <AlertDialog.Cancel className="btn">Keep it</AlertDialog.Cancel>
            <AlertDialog.Action
              className={`btn ${props.tone === 'danger' ? 'btn-danger' : 'btn-primary'}`}
              disabled={props.busy}
              onClick={props.onConfirm}
            >
              {props.confirmLabel}
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
