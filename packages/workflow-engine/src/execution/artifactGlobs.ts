/** A step's `artifacts` globs name files below its working directory: relative, and never up out of it. */
import { isAbsolute } from 'node:path';

/** Why `pattern` is not an artifacts glob, or undefined when it is one. */
export function artifactGlobProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'is empty';
  if (isAbsolute(pattern)) return "must be relative to the step's working directory";
  if (pattern.split(/[\\/]/).includes('..')) return "may not leave the step's working directory (..)";
  return undefined;
}
