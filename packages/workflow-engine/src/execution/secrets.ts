/**
 * Secrets a step declares, and keeping them out of everything a run leaves behind. A step's secrets are every value
 * of its `env` — written inline, interpolated, or named with `secret('NAME')` (YAML: a template's `secrets:` list)
 * and read from this process's environment when the step runs. Wherever step data leaves the step — its journal
 * record's input and result, its log files, its events, checkpoints, the API — each secret appears as `***`.
 */
import { StepSpecError } from '../errors.ts';

export const REDACTED = '***';
/** Shorter values cannot hide anything, and replacing them would garble every log (`DEBUG=1`). */
export const MIN_SECRET_LENGTH = 4;

/**
 * Marks a `secret()` reference. A registered symbol, not a class: a template loaded through jiti holds its own copy
 * of this module.
 */
const SECRET_BRAND: unique symbol = Symbol.for('switchyard.secret');

/** An env value to be read from the environment of the process running the step, by name. */
export interface SecretRef {
  readonly [SECRET_BRAND]: string;
  toJSON(): string;
}

/**
 * A step env value read, when the step runs, from the environment of the process running it:
 * `env: { GITHUB_TOKEN: secret('GITHUB_TOKEN') }`. The template never holds the value; logs show `***`.
 */
export function secret(name: string): SecretRef {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`secret(${JSON.stringify(name)}): not a variable name`);
  return { [SECRET_BRAND]: name, toJSON: () => REDACTED };
}

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && typeof (value as SecretRef)[SECRET_BRAND] === 'string';
}

export type StepEnv = Record<string, string | SecretRef>;

/** Checks a step's `env` at `ctx.step`: names to strings or `secret()`s. */
export function assertStepEnv(stepId: string, env: unknown): void {
  if (env === undefined) return;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw new StepSpecError(stepId, '`env` must be an object of variable names to strings');
  }
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string' && !isSecretRef(value)) {
      throw new StepSpecError(stepId, `env.${name} must be a string or secret('NAME'), got ${typeof value}`);
    }
  }
}

/** The step's env with every `secret()` read from `source`; a secret that is not set there is named. */
export function resolveStepEnv(
  env: StepEnv | undefined,
  source: NodeJS.ProcessEnv = process.env,
): { env: Record<string, string>; missing: string[] } {
  const resolved: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, value] of Object.entries(env ?? {})) {
    if (typeof value === 'string') resolved[name] = value;
    else {
      const from = value[SECRET_BRAND];
      const found = source[from];
      if (found === undefined) missing.push(from);
      else resolved[name] = found;
    }
  }
  return { env: resolved, missing };
}

/** Replaces a step's secrets with `***` in text and in JSON-like values. */
export class Redactor {
  private readonly secrets: string[];

  constructor(values: Iterable<string>) {
    // Longest first, so that a secret containing another is replaced whole.
    this.secrets = [...new Set(values)]
      .filter((v) => v.length >= MIN_SECRET_LENGTH)
      .sort((a, b) => b.length - a.length);
  }

  /** The redactor of a step's env (its `secret()`s read from `source`). */
  static forEnv(env: StepEnv | undefined, source: NodeJS.ProcessEnv = process.env): Redactor {
    return new Redactor(Object.values(resolveStepEnv(env, source).env));
  }

  get isEmpty(): boolean {
    return this.secrets.length === 0;
  }

  text(text: string): string {
    let result = text;
    for (const value of this.secrets) if (result.includes(value)) result = result.replaceAll(value, REDACTED);
    return result;
  }

  /** A copy of a JSON-like value with every string (keys too) redacted. */
  value<T>(value: T): T {
    if (this.isEmpty) return value;
    const walk = (inner: unknown): unknown => {
      if (typeof inner === 'string') return this.text(inner);
      if (Array.isArray(inner)) return inner.map(walk);
      if (inner && typeof inner === 'object') {
        return Object.fromEntries(Object.entries(inner).map(([key, v]) => [this.text(key), walk(v)]));
      }
      return inner;
    };
    return walk(value) as T;
  }

  /**
   * Redacts a stream given in chunks: a chunk that ends with the beginning of a secret keeps that part back until
   * the next chunk shows whether the secret follows, so a secret split across two chunks is still caught.
   */
  stream(): { push(chunk: string): string; end(): string } {
    let held = '';
    return {
      push: (chunk) => {
        if (this.isEmpty) return chunk;
        const text = this.text(held + chunk);
        const keep = this.partialSuffix(text);
        held = text.slice(text.length - keep);
        return text.slice(0, text.length - keep);
      },
      end: () => {
        const rest = this.text(held);
        held = '';
        return rest;
      },
    };
  }

  /** The length of the longest end of `text` that is the start of a secret (and not the whole of it). */
  private partialSuffix(text: string): number {
    let longest = 0;
    for (const value of this.secrets) {
      for (let length = Math.min(value.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(value.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
