import { describe, expect, it } from 'vitest';
import { createLineSplitter } from '../src/lines.ts';

function split(chunks: (string | Buffer)[], maxLineChars?: number): string[] {
  const lines: string[] = [];
  const splitter = createLineSplitter((line) => lines.push(line), { maxLineChars });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('the line splitter', () => {
  it('joins lines split across chunks and splits chunks holding several lines', () => {
    expect(split(['{"a":', '1}\n{"b"', ':2}\n{"c":3}\n'])).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('flushes a last line without a newline, drops blank lines and strips CR', () => {
    expect(split(['one\r\n\n   \ntwo'])).toEqual(['one', 'two']);
  });

  it('keeps a UTF-8 character split between two chunks intact', () => {
    const bytes = Buffer.from('{"t":"héllo ✓"}\n', 'utf8');
    const cut = bytes.indexOf(0x9c) - 1; // inside the 3-byte check mark
    expect(split([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['{"t":"héllo ✓"}']);
  });

  it('assembles a 1 MiB line delivered in 64 KiB chunks', () => {
    const line = JSON.stringify({ text: 'x'.repeat(1024 * 1024) });
    const bytes = Buffer.from(`${line}\n{"next":true}\n`);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) =>
      bytes.subarray(i * 65536, (i + 1) * 65536),
    );
    const lines = split(chunks);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(line);
    expect(lines[1]).toBe('{"next":true}');
  });

  it('keeps only the head of a line longer than maxLineChars, and reads the next line normally', () => {
    expect(split(['abcdefghij', 'klmnop\nshort\n'], 8)).toEqual(['abcdefgh', 'short']);
  });
});
