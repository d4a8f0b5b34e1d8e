/**
 * `{{ args.x }}` and `{{ steps.<id>.output.<path> }}` in YAML step fields (prompt, command, cwd, env).
 *
 * A template string is parsed once, at template load time, into literal text and paths (so references are checked
 * before any run starts), and rendered for each run against `{ args, steps }`.
 *
 * Rendering inserts raw text: values are stringified (strings as they are, objects and arrays as JSON, a missing
 * value as the empty string) and never quoted or escaped. A `command` given as an array is interpolated element
 * by element and runs without a shell, so a value can never become a second argument or a shell operator. A
 * `command` given as a string runs through `/bin/sh -c`, and an interpolated value is shell text there: prefer the
 * array form when values come from args or agent output.
 */
import { ExpressionSyntaxError, parseExpression, resolvePath } from './expression.ts';
import type { PathExpression } from './expression.ts';

export type TemplatePart = string | { path: PathExpression; source: string };

export interface ParsedTemplate {
  parts: TemplatePart[];
}

/** Parses `{{ path }}` placeholders; throws {@link ExpressionSyntaxError} with a 1-based column in `text`. */
export function parseTemplateString(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf('{{', cursor);
    if (open === -1) break;
    const close = text.indexOf('}}', open + 2);
    if (close === -1) throw new ExpressionSyntaxError('"{{" is never closed with "}}"', open + 1);
    if (open > cursor) parts.push(text.slice(cursor, open));
    const inner = text.slice(open + 2, close);
    const offset = open + 2 + (inner.length - inner.trimStart().length);
    const source = inner.trim();
    if (!source) throw new ExpressionSyntaxError('empty {{ }}', open + 1);
    let expression;
    try {
      expression = parseExpression(source);
    } catch (error) {
      if (error instanceof ExpressionSyntaxError) throw new ExpressionSyntaxError(error.reason, offset + error.column);
      throw error;
    }
    if (expression.kind !== 'path') {
      throw new ExpressionSyntaxError(
        `{{ ${source} }} must be a path such as args.name or steps.<id>.output.text`,
        offset + 1,
      );
    }
    parts.push({ path: { ...expression, column: offset + 1 }, source });
    cursor = close + 2;
  }
  if (cursor < text.length) parts.push(text.slice(cursor));
  return { parts };
}

export function templatePaths(template: ParsedTemplate): PathExpression[] {
  return template.parts.flatMap((part) => (typeof part === 'string' ? [] : [part.path]));
}

export function isPlainText(template: ParsedTemplate): boolean {
  return template.parts.every((part) => typeof part === 'string');
}

export function renderTemplate(template: ParsedTemplate, scope: unknown): string {
  return template.parts
    .map((part) => (typeof part === 'string' ? part : stringifyValue(resolvePath(scope, part.path.segments))))
    .join('');
}

/** Strings stay as they are, objects and arrays become JSON, a missing value becomes the empty string. */
export function stringifyValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
