/**
 * The answer to an input step (`ctx.waitForInput`, YAML `type: input`): a form generated from the fields the step
 * journaled, in their declared order, sent to `POST /api/workflow-executions/:id/input`. The server validates; its
 * field errors (`values.x`) are shown at their fields.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { FieldIssue } from '../../../../../protocol/common.ts';
import { RunDetail } from '../../../../../protocol/runs.ts';
import type { Step } from '../../../../../protocol/runs.ts';
import { ApiError, apiRequest } from '../../../../lib/api.ts';
import { useRun } from '../hooks/useWorkflowRuns.ts';
import { FieldConversionError, formFields, initialValues, toArgs } from '../lib/schemaForm.ts';
import type { FieldSchema, FormValues } from '../lib/schemaForm.ts';
import { FieldInput } from './RunForm.tsx';

/** What an input step journaled. */
interface InputRequest {
  prompt: string;
  schema: FieldSchema;
  fields?: string[];
}

/** The input step a run waits at, if it waits at one. */
export function waitingInput(steps: Step[] | undefined): Step | undefined {
  return steps?.find((step) => step.type === 'input' && step.status === 'running' && !step.invalidated_at);
}

export function InputForm({ runId, step }: { runId: string; step: Step }) {
  const request = step.input as InputRequest;
  const fields = useMemo(() => {
    const order = request.fields ?? [];
    return formFields(request.schema, 'values').sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  }, [request]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [errors, setErrors] = useState<FieldIssue[]>([]);
  const client = useQueryClient();
  const send = useMutation({
    mutationFn: (answer: Record<string, unknown>) =>
      apiRequest(RunDetail, `/api/workflow-executions/${runId}/input`, {
        method: 'POST',
        body: { step_id: step.step_id, values: answer },
      }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['workflow-execution', runId] }),
    onError: (error) =>
      setErrors(
        error instanceof ApiError && error.fields.length > 0
          ? error.fields
          : [{ field: '', message: error instanceof Error ? error.message : String(error) }],
      ),
  });
  const byField = new Map(errors.map((issue) => [issue.field, issue.message]));
  const formError = errors.find((issue) => !fields.some((field) => field.path === issue.field));

  return (
    <form
      className="run-form input-form"
      data-testid="input-form"
      data-step-id={step.step_id}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        try {
          setErrors([]);
          send.mutate(toArgs(fields, values));
        } catch (error) {
          if (error instanceof FieldConversionError) setErrors([{ field: error.path, message: error.message }]);
          else throw error;
        }
      }}
    >
      <p className="input-prompt">{request.prompt}</p>
      {fields.map((field) => (
        <FieldInput
          key={field.path}
          field={field}
          value={values[field.name]}
          error={byField.get(field.path)}
          errors={byField}
          onChange={(value) => setValues({ ...values, [field.name]: value })}
        />
      ))}
      {formError && (
        <p className="field-error" role="alert">
          {formError.field ? `${formError.field}: ` : ''}
          {formError.message}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={send.isPending || send.isSuccess}>
          {send.isSuccess ? 'Answered' : 'Send answer'}
        </button>
      </div>
    </form>
  );
}

/** The form of the run a lane item stands for: its detail is read for the step's question and fields. */
export function RunInputForm({ runId }: { runId: string }) {
  const run = useRun(runId);
  const step = waitingInput(run.data?.steps);
  if (!step) return null;
  return <InputForm runId={runId} step={step} />;
}
