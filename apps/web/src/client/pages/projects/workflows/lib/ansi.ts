/**
 * ANSI SGR colours in script output, parsed into styled segments (never HTML, so output cannot inject markup).
 * Handles the 8/16 colours, bold, dim, italic, underline and resets; other escape sequences are dropped.
 */
export interface AnsiSegment {
  text: string;
  fg?: number;
  bg?: number;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[([0-9;?]*)([A-Za-z])/g;

export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '');
}

type Style = Omit<AnsiSegment, 'text'>;

function applyCodes(style: Style, codes: number[]): Style {
  let next = { ...style };
  for (const code of codes.length ? codes : [0]) {
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) next = { ...next, bold: false, dim: false };
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 49) delete next.bg;
  }
  return next;
}

export function parseAnsi(text: string): AnsiSegment[] {
  const segments: AnsiSegment[] = [];
  let style: Style = {};
  let at = 0;
  for (const match of text.matchAll(ESCAPES)) {
    if (match.index > at) segments.push({ ...style, text: text.slice(at, match.index) });
    if (match[2] === 'm') {
      const codes = match[1] ? match[1].split(';').map((c) => Number(c) || 0) : [];
      style = applyCodes(style, codes);
    }
    at = match.index + match[0].length;
  }
  if (at < text.length) segments.push({ ...style, text: text.slice(at) });
  return segments.filter((s) => s.text.length > 0);
}
