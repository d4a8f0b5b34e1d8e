/**
 * Splits a byte stream into lines. Chunks end anywhere (mid-line, mid-UTF-8 character); agent CLIs write single JSON
 * lines of a megabyte or more (a tool result holding a whole file), so a line is collected as a list of pieces and
 * joined once, never grown by repeated concatenation.
 */
import { StringDecoder } from 'node:string_decoder';

export interface LineSplitter {
  push(chunk: Buffer | string): void;
  /** Flushes a last line that had no trailing newline. */
  end(): void;
}

export interface LineSplitterOptions {
  /**
   * A line longer than this keeps only its head (it will then fail to parse and be reported), so one runaway line
   * cannot exhaust memory. Default 64 Mi characters.
   */
  maxLineChars?: number;
}

export function createLineSplitter(onLine: (line: string) => void, options: LineSplitterOptions = {}): LineSplitter {
  const maxLineChars = options.maxLineChars ?? 64 * 1024 * 1024;
  const decoder = new StringDecoder('utf8');
  let pieces: string[] = [];
  let pendingChars = 0;

  const keep = (piece: string): void => {
    const room = maxLineChars - pendingChars;
    if (room <= 0 || piece.length === 0) return;
    const kept = piece.length > room ? piece.slice(0, room) : piece;
    pieces.push(kept);
    pendingChars += kept.length;
  };

  const flush = (): void => {
    let line = pieces.length === 1 ? pieces[0]! : pieces.join('');
    pieces = [];
    pendingChars = 0;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() !== '') onLine(line);
  };

  const take = (text: string): void => {
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      keep(text.slice(start, newline));
      flush();
      start = newline + 1;
    }
    keep(text.slice(start));
  };

  return {
    push(chunk) {
      take(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    },
    end() {
      take(decoder.end());
      if (pieces.length > 0) flush();
    },
  };
}
