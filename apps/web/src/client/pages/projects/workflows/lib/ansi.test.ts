import { describe, expect, it } from 'vitest';
import { parseAnsi, stripAnsi } from './ansi.ts';

describe('ANSI colours in script output', () => {
  it('splits text into styled segments and resets', () => {
    expect(parseAnsi('ok \u001b[31;1mFAIL\u001b[0m done')).toEqual([
      { text: 'ok ' },
      { text: 'FAIL', fg: 1, bold: true },
      { text: ' done' },
    ]);
  });

  it('reads bright colours, backgrounds and partial resets', () => {
    expect(parseAnsi('\u001b[92;44mA\u001b[39mB\u001b[49mC')).toEqual([
      { text: 'A', fg: 10, bg: 4 },
      { text: 'B', bg: 4 },
      { text: 'C' },
    ]);
  });

  it('drops escape sequences that are not colours', () => {
    expect(parseAnsi('\u001b[2Kline\u001b[1A')).toEqual([{ text: 'line' }]);
    expect(stripAnsi('\u001b[36mfetch\u001b[0m line 1')).toBe('fetch line 1');
  });
});
