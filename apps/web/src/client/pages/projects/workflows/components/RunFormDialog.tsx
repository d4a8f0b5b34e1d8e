/** The run form in a dialog: starts the run, shows the server's field errors, and opens the new run's card. */
import { useState } from 'react';
import * as Dialog from '@radix-ui/react-dialog';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { RunDetail } from '../../../../../protocol/runs.ts';
import type { FieldIssue } from '../../../../../protocol/common.ts';
import type { WorkflowDefinition } from '../../../../../protocol/templates.ts';
import { ApiError, apiRequest } from '../../../../lib/api.ts';
import { queries } from '../../../../lib/queries.ts';
import { RunForm } from './RunForm.tsx';
import type { RunFormInput } from './RunForm.tsx';

export interface RunFormDialogProps {
  projectId: string;
  template: WorkflowDefinition | null;
  initialArgs?: Record<string, unknown>;
  onClose(): void;
  onStarted(runId: string): void;
}

export function RunFormDialog(props: RunFormDialogProps) {
  const client = useQueryClient();
  const [errors, setErrors] = useState<FieldIssue[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const git = useQuery({ ...queries.projectGit(props.projectId), enabled: props.template !== null });
  const start = useMutation({
    mutationFn: (input: RunFormInput) =>
      apiRequest(RunDetail, '/api/workflow-executions', {
        method: 'POST',
        body: { project_id: props.projectId, workflow_definition_id: props.template!.id, ...input },
      }),
    onSuccess: (run) => {
      void client.invalidateQueries({ queryKey: queries.board(props.projectId).queryKey });
      void client.invalidateQueries({ queryKey: queries.templates(props.projectId).queryKey });
      props.onStarted(run.id);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.fields.length) {
        setErrors(error.fields);
        const placed = new Set(['name', 'workspace', 'base']);
        const unplaced = error.fields.filter((f) => !f.field.startsWith('args.') && !placed.has(f.field));
        setFormError(unplaced.length ? error.message : null);
      } else {
        setErrors([]);
        setFormError(error instanceof Error ? error.message : String(error));
      }
    },
  });
  return (
    <Dialog.Root open={props.template !== null} onOpenChange={(open) => !open && props.onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog run-dialog" data-testid="run-form">
          <Dialog.Title className="dialog-title">Run {props.template?.name}</Dialog.Title>
          <Dialog.Description className="dialog-sub">
            {props.template?.description ?? 'Fill in the args and start a run.'}
          </Dialog.Description>
          {props.template && (
            <RunForm
              template={props.template}
              initialArgs={props.initialArgs}
              busy={start.isPending}
              errors={errors}
              formError={formError}
              git={git.data}
              onSubmit={(input) => start.mutate(input)}
              onCancel={props.onClose}
            />
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
