/**
 * Turning validation issues (zod's, ours) into the located, readable lines of a `TemplateError`.
 */
import { z } from 'zod';

/** A problem at a field path; `at: 'key'` points at the key itself (an unknown key) rather than its value. */
export interface PathIssue {
  path: PropertyKey[];
  message: string;
  at?: 'key' | 'value';
}

/** `['steps', 2, 'phase']` → `steps[2].phase`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

const ALLOWED_KEYS_PREFIX = 'allowed keys: ';

/** `z.strictObject` whose unknown-key issues list the keys it allows (see {@link zodIssues}). */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = ALLOWED_KEYS_PREFIX + Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? allowed : undefined),
  });
}

/** Zod issues as path issues with messages written for template authors. */
export function zodIssues(issues: readonly z.core.$ZodIssue[]): PathIssue[] {
  return issues.flatMap((issue): PathIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const allowed = issue.message.startsWith(ALLOWED_KEYS_PREFIX)
        ? issue.message.slice(ALLOWED_KEYS_PREFIX.length).split(', ')
        : [];
      return issue.keys.map((key) => ({
        path: [...issue.path, key],
        message: unknownKeyMessage(key, allowed),
        at: 'key',
      }));
    }
    if (issue.code === 'invalid_key') {
      const [inner] = zodIssues(issue.issues);
      return [{ path: issue.path, message: inner?.message ?? issueMessage(issue), at: 'key' }];
    }
    return [{ path: issue.path, message: issueMessage(issue) }];
  });
}

export function unknownKeyMessage(key: string, allowed: string[]): string {
  if (allowed.length === 0) return `unknown key "${key}"`;
  const suggestion = closest(key, allowed);
  return `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; allowed: ${allowed.join(', ')}`;
}

// zod's own messages start like this; anything else is a message a schema here wrote on purpose, kept as it is.
const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too small|Too big|Unrecognized key)/;

function issueMessage(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'is required';
      return `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}, received ${describeValue(input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}, received ${describeValue(input)}`;
    case 'too_small':
      if (issue.origin === 'array') return `must have at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      return `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}, received ${describeValue(input)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}, received ${describeValue(input)}`;
    default:
      return issue.message.replace(/^Invalid (input|option): /, '');
  }
}

/** `string "abc"`, `number 3`, `array`, `null`… — the type first, so `expected number, received string` reads well. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
