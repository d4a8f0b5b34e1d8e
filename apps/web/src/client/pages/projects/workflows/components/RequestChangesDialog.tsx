/**
 * Requesting changes at a gate: the reviewer writes what to change; the phase before the gate runs again, its agent
 * steps continuing their sessions with the comment (their previous answer before them), its other steps as in any
 * re-run. The dialog says which steps those are before anything is sent.
 */
import { useState } from 'react';
import * as Dialog from '@radix-ui/react-dialog';
import type { Phase } from '../../../../../protocol/templates.ts';
import { useRun } from '../hooks/useWorkflowRuns.ts';
import { StepTypeIcon } from './StepTypeIcon.tsx';

export interface ChangesRequest {
  runId: string;
  runName: string;
  phases: Phase[];
}

export function RequestChangesDialog(props: {
  request: ChangesRequest | null;
  busy: boolean;
  onConfirm(request: ChangesRequest, comment: string): void;
  onClose(): void;
}) {
  const { request } = props;
  const [text, setText] = useState('');
  const run = useRun(request?.runId ?? null);
  const phases = request?.phases ?? [];
  const gateIndex = phases.findIndex((p) => p.id === run.data?.waiting_gate);
  const gate = phases[gateIndex];
  const before = gateIndex > 0 ? phases[gateIndex - 1] : undefined;
  const steps = (run.data?.steps ?? []).filter((s) => s.phase === before?.id && s.invalidated_at === null);
  const comment = text.trim();
  const submit = () => {
    if (!request || comment === '' || props.busy) return;
    props.onConfirm(request, comment);
    setText('');
  };
  return (
    <Dialog.Root open={request !== null} onOpenChange={(open) => !open && props.onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog changes-dialog" data-testid="request-changes-dialog">
          <Dialog.Title className="dialog-title">Request changes to {request?.runName}</Dialog.Title>
          <Dialog.Description className="dialog-sub">
            {before && gate
              ? `${before.label} runs again with your comment; the run then waits at ${gate.label} for you again.`
              : 'The phase before the gate runs again with your comment.'}
          </Dialog.Description>
          <form
            className="changes-form"
            onSubmit={(event) => {
              event.preventDefault();
              submit();
            }}
          >
            <textarea
              value={text}
              rows={5}
              autoFocus
              aria-label="What to change"
              placeholder="What should change? The agent sees it as a reply in its own session. ⌘/Ctrl+Enter sends."
              onChange={(event) => setText(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) submit();
              }}
            />
            {steps.length > 0 && (
              <ul className="preview-list changes-steps" aria-label="Steps that run again">
                {steps.map((step) => (
                  <li key={step.id}>
                    <StepTypeIcon type={step.type} /> {step.name}
                    <span className="muted">
                      {' '}
                      · {step.type === 'agent' ? 'continues its session with your comment' : 'runs again'}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            <div className="dialog-actions">
              <Dialog.Close className="btn" type="button">
                Keep waiting
              </Dialog.Close>
              <button type="submit" className="btn btn-primary" disabled={comment === '' || props.busy}>
                Request changes
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
