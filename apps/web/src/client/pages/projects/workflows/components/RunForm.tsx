/**
 * The run form, generated from the template's args JSON Schema (see `lib/schemaForm.ts`), with where the run works:
 * the template's default, a worktree or in place, and the base a worktree starts from. The server validates again;
 * its field errors (`args.x`, `base`) are shown at their fields, and the first one is focused.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { WorkflowDefinition } from '../../../../../protocol/templates.ts';
import type { FieldIssue } from '../../../../../protocol/common.ts';
import type { ProjectGit } from '../../../../../protocol/projects.ts';
import type { CreateRunBody } from '../../../../../protocol/runs.ts';

type WorkspaceMode = NonNullable<CreateRunBody['workspace']>;
import { FieldConversionError, formFields, initialValues, toArgs } from '../lib/schemaForm.ts';
import type { FieldSchema, FormField, FormValues } from '../lib/schemaForm.ts';

export interface RunFormInput {
  name: string | undefined;
  args: Record<string, unknown>;
  /** Left out for the template's default (a worktree in a git repository). */
  workspace?: WorkspaceMode;
  base?: string;
}

export interface RunFormProps {
  template: WorkflowDefinition;
  initialArgs?: Record<string, unknown>;
  busy: boolean;
  errors: FieldIssue[];
  formError: string | null;
  /** The project's repository and branch, for the workspace defaults; undefined while unknown. */
  git?: ProjectGit | undefined;
  onSubmit(input: RunFormInput): void;
  onCancel(): void;
}

/** One field of a generated form, drawn by its kind; the input step's answer form draws its fields with it too. */
export function FieldInput(props: {
  field: FormField;
  value: FormValues[string] | undefined;
  error: string | undefined;
  errors: Map<string, string>;
  onChange(value: FormValues[string]): void;
}) {
  const { field, error } = props;
  const id = `field-${field.path}`;
  const describedBy = [field.description && `${id}-desc`, error && `${id}-err`].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: field.path,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': field.required || undefined,
  };
  let control;
  if (field.kind === 'boolean') {
    control = (
      <input
        type="checkbox"
        {...common}
        checked={props.value === true}
        onChange={(e) => props.onChange(e.target.checked)}
      />
    );
  } else if (field.kind === 'enum') {
    control = (
      <select {...common} value={String(props.value ?? '')} onChange={(e) => props.onChange(e.target.value)}>
        {!field.required && <option value="">—</option>}
        {field.options!.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'object') {
    const values = (props.value ?? {}) as FormValues;
    control = (
      <fieldset className="nested" id={id}>
        {field.children!.map((child) => (
          <FieldInput
            key={child.path}
            field={child}
            value={values[child.name]}
            error={props.errors.get(child.path)}
            errors={props.errors}
            onChange={(value) => props.onChange({ ...values, [child.name]: value })}
          />
        ))}
      </fieldset>
    );
  } else if (field.kind === 'array' || field.kind === 'json') {
    control = (
      <textarea
        {...common}
        rows={field.kind === 'json' ? 4 : 3}
        className={field.kind === 'json' ? 'mono' : undefined}
        placeholder={field.kind === 'array' ? 'One item per line' : 'JSON'}
        value={String(props.value ?? '')}
        onChange={(e) => props.onChange(e.target.value)}
      />
    );
  } else {
    const schema: FieldSchema = field.schema;
    control = (
      <input
        {...common}
        type={field.kind === 'number' || field.kind === 'integer' ? 'number' : 'text'}
        step={field.kind === 'integer' ? 1 : 'any'}
        min={schema.minimum}
        max={schema.maximum}
        placeholder={schema.default !== undefined ? String(schema.default) : undefined}
        value={String(props.value ?? '')}
        onChange={(e) => props.onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={`field field-${field.kind}${error ? ' has-error' : ''}`} data-field={field.path}>
      <label htmlFor={id}>
        {field.label}
        {field.required && (
          <span className="required" aria-hidden>
            {' '}
            *
          </span>
        )}
        <span className="field-type">{field.kind}</span>
      </label>
      {control}
      {field.description && (
        <p className="field-desc" id={`${id}-desc`}>
          {field.description}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-err`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function RunForm(props: RunFormProps) {
  const fields = useMemo(() => formFields(props.template.args_schema as FieldSchema), [props.template]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields, props.initialArgs));
  const [name, setName] = useState('');
  const [workspace, setWorkspace] = useState<WorkspaceMode | ''>('');
  const [base, setBase] = useState('');
  const [localErrors, setLocalErrors] = useState<FieldIssue[]>([]);
  const form = useRef<HTMLFormElement>(null);
  const errors = useMemo(
    () => new Map([...props.errors, ...localErrors].map((issue) => [issue.field, issue.message])),
    [props.errors, localErrors],
  );

  useEffect(() => {
    const first = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.focus();
  }, [props.errors]);

  return (
    <form
      ref={form}
      className="run-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        try {
          setLocalErrors([]);
          const chosenBase = workspace === 'in-place' ? '' : base.trim();
          props.onSubmit({
            name: name.trim() || undefined,
            args: toArgs(fields, values),
            ...(workspace ? { workspace } : {}),
            ...(chosenBase ? { base: chosenBase } : {}),
          });
        } catch (error) {
          if (error instanceof FieldConversionError) setLocalErrors([{ field: error.path, message: error.message }]);
          else throw error;
        }
      }}
    >
      <div className={`field${errors.get('name') ? ' has-error' : ''}`}>
        <label htmlFor="run-name">
          Run name <span className="field-type">optional</span>
        </label>
        <input id="run-name" value={name} placeholder={props.template.name} onChange={(e) => setName(e.target.value)} />
        {errors.get('name') && <p className="field-error">{errors.get('name')}</p>}
      </div>
      {fields.length === 0 && <p className="muted">This template takes no args.</p>}
      {fields.map((field) => (
        <FieldInput
          key={field.path}
          field={field}
          value={values[field.name]}
          error={errors.get(field.path)}
          errors={errors}
          onChange={(value) => setValues({ ...values, [field.name]: value })}
        />
      ))}
      <WorkspaceFields
        git={props.git}
        workspace={workspace}
        base={base}
        errors={errors}
        onWorkspace={setWorkspace}
        onBase={setBase}
      />
      {props.formError && (
        <div className="banner banner-danger" role="alert">
          {props.formError}
        </div>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={props.busy}>
          {props.busy ? 'Starting…' : 'Start run'}
        </button>
      </div>
    </form>
  );
}

/** Where the run works: the template's default, a worktree or in place; and the branch a worktree starts from. */
function WorkspaceFields(props: {
  git: ProjectGit | undefined;
  workspace: WorkspaceMode | '';
  base: string;
  errors: Map<string, string>;
  onWorkspace(mode: WorkspaceMode | ''): void;
  onBase(base: string): void;
}) {
  const { git, errors } = props;
  const defaultLabel =
    git === undefined
      ? 'Template default'
      : git.repository
        ? 'Template default — a worktree (git repository)'
        : 'Template default — in place (no git repository)';
  const baseError = errors.get('base');
  const workspaceError = errors.get('workspace');
  return (
    <fieldset className="workspace-fields">
      <legend>Workspace</legend>
      <div className={`field${workspaceError ? ' has-error' : ''}`}>
        <label htmlFor="run-workspace">Where the run works</label>
        <select
          id="run-workspace"
          value={props.workspace}
          aria-invalid={workspaceError ? true : undefined}
          onChange={(e) => props.onWorkspace(e.target.value as WorkspaceMode | '')}
        >
          <option value="">{defaultLabel}</option>
          <option value="worktree">A git worktree and branch of its own</option>
          <option value="in-place">In place, in the project directory</option>
        </select>
        {workspaceError && (
          <p className="field-error" role="alert">
            {workspaceError}
          </p>
        )}
      </div>
      <div className={`field${baseError ? ' has-error' : ''}`}>
        <label htmlFor="run-base">
          Base branch <span className="field-type">optional</span>
        </label>
        <input
          id="run-base"
          className="mono"
          value={props.base}
          disabled={props.workspace === 'in-place'}
          placeholder={git?.branch ?? 'HEAD'}
          aria-invalid={baseError ? true : undefined}
          aria-describedby={baseError ? 'run-base-err' : 'run-base-desc'}
          onChange={(e) => props.onBase(e.target.value)}
        />
        <p className="field-desc" id="run-base-desc">
          The branch (or commit) the worktree starts from, and the branch “Merge” merges the run into.
        </p>
        {baseError && (
          <p className="field-error" id="run-base-err" role="alert">
            {baseError}
          </p>
        )}
      </div>
    </fieldset>
  );
}
