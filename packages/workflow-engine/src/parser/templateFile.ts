import { readFile } from 'node:fs/promises';
import { TemplateError } from '../errors.ts';

/** Reads a template's text; a missing or unreadable file is a `TemplateError` naming the path. */
export async function readTemplateText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'template file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a template file'
          : `cannot read the template: ${(error as Error).message}`;
    throw new TemplateError([{ file, path: '', message: reason }], { cause: error });
  }
}
