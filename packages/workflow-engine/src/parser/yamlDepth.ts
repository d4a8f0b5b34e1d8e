/**
 * How deeply a YAML text nests flow collections (`[…]`, `{…}`), found by a scan of the text before it is parsed: the
 * `yaml` package takes time that grows faster than the depth (5,000 nested `[` take ~0.6 s, a megabyte of them
 * would hold the event loop for minutes), while no template needs more than a handful of levels.
 *
 * Block nesting needs no such guard: it costs an indentation per level, so a file under the size limit cannot nest
 * block collections deeply enough to be slow.
 *
 * The scan follows YAML just far enough to tell a collection from a bracket inside a scalar: a `[` or `{` opens a
 * collection only where a value may start (after indentation, `- `, `: `, `? `, or inside a flow collection after
 * `[`, `{`, `,` or `:`); quoted scalars and comments are skipped.
 */

/** Flow collections nested deeper than this make a template invalid. */
export const MAX_YAML_FLOW_DEPTH = 64;

export interface DepthExcess {
  line: number;
  column: number;
}

/** Where the first collection nested deeper than `limit` opens, or undefined when none is. */
export function flowDepthExcess(text: string, limit = MAX_YAML_FLOW_DEPTH): DepthExcess | undefined {
  let depth = 0;
  let valueMayStart = true;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\n') {
      line++;
      lineStart = i + 1;
      // In block context a new line may start a value (after its indentation); inside a flow collection a line
      // break is only white space.
      if (depth === 0) valueMayStart = true;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r') continue;
    const previous = i === 0 ? '\n' : text[i - 1]!;
    if (char === '#' && (previous === ' ' || previous === '\t' || previous === '\n')) {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
      continue;
    }
    if ((char === '"' || char === "'") && valueMayStart) {
      i = endOfQuoted(text, i, char);
      valueMayStart = false;
      continue;
    }
    if ((char === '[' || char === '{') && valueMayStart) {
      depth++;
      if (depth > limit) return { line, column: i - lineStart + 1 };
      continue;
    }
    if ((char === ']' || char === '}') && depth > 0) {
      depth--;
      valueMayStart = false;
      continue;
    }
    const next = text[i + 1];
    const separated = next === undefined || next === ' ' || next === '\t' || next === '\n' || next === '\r';
    if (depth > 0 && (char === ',' || char === ':')) valueMayStart = true;
    else if ((char === '-' || char === '?' || char === ':') && separated) valueMayStart = true;
    else valueMayStart = false;
  }
  return undefined;
}

/** The index of the quote that closes the scalar opened at `start` (or the end of the text). */
function endOfQuoted(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) {
      // In single quotes, '' is an escaped quote.
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return text.length;
}
