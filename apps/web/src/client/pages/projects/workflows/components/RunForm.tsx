/**
 * The run form, generated from the template's args JSON Schema (see `lib/schemaForm.ts`). The server validates
 * again; its field errors (`args.x`) are shown at their fields, and the first one is focused.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { WorkflowDefinition } from '../../../../../protocol/templates.ts';
import type { FieldIssue } from '../../../../../protocol/common.ts';
import { FieldConversionError, formFields, initialValues, toArgs } from '../lib/schemaForm.ts';
import type { FieldSchema, FormField, FormValues } from '../lib/schemaForm.ts';

export interface RunFormProps {
  template: WorkflowDefinition;
  initialArgs?: Record<string, unknown>;
  busy: boolean;
  errors: FieldIssue[];
  formError: string | null;
  onSubmit(input: { name: string | undefined; args: Record<string, unknown> }): void;
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
          props.onSubmit({ name: name.trim() || undefined, args: toArgs(fields, values) });
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
