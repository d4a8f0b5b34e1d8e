import { describe, expect, it } from 'vitest';
import { anchorLabel, formatLineTarget, lineFollowUp, parseLineTarget } from './lineComment.ts';

describe('a comment on a diff line', () => {
  it('is written file:line, and the old side says so', () => {
    expect(anchorLabel({ file: 'src/app.ts', line: 12, side: 'new' })).toBe('src/app.ts:12');
    expect(anchorLabel({ file: 'src/app.ts', line: 3, side: 'old' })).toBe('src/app.ts:3 (old)');
  });

  it('goes into the URL and back, a path with colons included; anything else is no target', () => {
    const anchor = { file: 'docs/a:b.md', line: 40, side: 'old' as const };
    expect(formatLineTarget(anchor)).toBe('old:40:docs/a:b.md');
    expect(parseLineTarget(formatLineTarget(anchor))).toEqual(anchor);
    expect(parseLineTarget('left:4:a.ts')).toBeNull();
    expect(parseLineTarget('new:x:a.ts')).toBeNull();
    expect(parseLineTarget(null)).toBeNull();
  });

  it('reaches the agent with the place and the line, fenced longer than the backticks in it', () => {
    expect(lineFollowUp({ file: 'a.ts', line: 2, side: 'new' }, 'const s = `x`;', 'Use a constant.')).toBe(
      'About a.ts:2:\n```\nconst s = `x`;\n```\n\nUse a constant.',
    );
    expect(lineFollowUp({ file: 'b.md', line: 5, side: 'old' }, 'see ```code```', 'Why remove this?')).toBe(
      'About b.md, line 5 before your change (now deleted):\n````\nsee ```code```\n````\n\nWhy remove this?',
    );
  });
});
