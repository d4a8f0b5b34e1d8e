/**
 * The run form, generated from a template's args JSON Schema: which fields to draw (string, number, boolean, enum,
 * array, nested object), their defaults, and the values to send. Values are kept as the form edits them (strings
 * for numbers and lines for arrays) and converted once, at submit; the server validates them again.
 */
export interface FieldSchema {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  title?: string;
  items?: FieldSchema;
  properties?: Record<string, FieldSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
}

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'array' | 'object' | 'json';

export interface FormField {
  name: string;
  /** `args.a.b`: the name the server's validation errors use. */
  path: string;
  kind: FieldKind;
  label: string;
  required: boolean;
  description?: string;
  options?: string[];
  schema: FieldSchema;
  children?: FormField[];
}

function typeOf(schema: FieldSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
}

function kindOf(schema: FieldSchema): FieldKind {
  if (schema.enum && schema.enum.every((v) => typeof v === 'string')) return 'enum';
  const type = typeOf(schema);
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return type;
  if (type === 'array' && schema.items && ['string', 'number', 'integer'].includes(typeOf(schema.items) ?? ''))
    return 'array';
  if (type === 'object' && schema.properties) return 'object';
  return 'json';
}

const humanise = (name: string) =>
  name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());

/**
 * The fields of an object schema: required ones first, then by name. Property order is not kept by the database's
 * JSON (jsonb orders keys by length), so the form imposes its own.
 */
export function formFields(schema: FieldSchema, prefix = 'args'): FormField[] {
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {}).sort(
    ([a], [b]) => Number(required.has(b)) - Number(required.has(a)) || a.localeCompare(b),
  );
  return entries.map(([name, field]) => {
    const kind = kindOf(field);
    const path = `${prefix}.${name}`;
    return {
      name,
      path,
      kind,
      label: field.title ?? humanise(name),
      required: required.has(name),
      description: field.description,
      options: kind === 'enum' ? (field.enum as string[]) : undefined,
      schema: field,
      children: kind === 'object' ? formFields(field, path) : undefined,
    };
  });
}

/** Form values: strings for text inputs, booleans for checkboxes, nested records for objects. */
export type FormValue = string | boolean | FormValues;
export interface FormValues {
  [name: string]: FormValue;
}

function initialOf(field: FormField, given: unknown): FormValue {
  const value = given !== undefined ? given : field.schema.default;
  switch (field.kind) {
    case 'boolean':
      return value === true;
    case 'object':
      return initialValues(field.children ?? [], (value ?? {}) as Record<string, unknown>);
    case 'array':
      return Array.isArray(value) ? value.map(String).join('\n') : '';
    case 'json':
      return value === undefined ? '' : JSON.stringify(value, null, 2);
    default:
      return value === undefined || value === null ? '' : String(value);
  }
}

/** The form's starting values: the given args (Run again) or else the schema's defaults. */
export function initialValues(fields: FormField[], given: Record<string, unknown> = {}): FormValues {
  return Object.fromEntries(fields.map((field) => [field.name, initialOf(field, given[field.name])]));
}

export class FieldConversionError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

function convert(field: FormField, value: FormValue | undefined): unknown {
  if (field.kind === 'boolean') return value === true;
  if (field.kind === 'object') return toArgs(field.children ?? [], (value ?? {}) as FormValues);
  const text = typeof value === 'string' ? value : '';
  // An empty optional field is left out, so the template's own default applies.
  if (text.trim() === '') return undefined;
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new FieldConversionError(field.path, 'must be a number');
      return n;
    }
    case 'array': {
      const items = text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      const itemType = typeOf(field.schema.items ?? {});
      return itemType === 'number' || itemType === 'integer' ? items.map(Number) : items;
    }
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        throw new FieldConversionError(field.path, 'must be valid JSON');
      }
    default:
      return text;
  }
}

/** The args to send; throws `FieldConversionError` for a value the form cannot convert. */
export function toArgs(fields: FormField[], values: FormValues): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const field of fields) {
    const converted = convert(field, values[field.name]);
    if (converted !== undefined) args[field.name] = converted;
  }
  return args;
}
