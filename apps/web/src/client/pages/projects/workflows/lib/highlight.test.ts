import { describe, expect, it } from 'vitest';
import { languageOf, loadHighlighter, splitHighlighted } from './highlight.ts';

describe('syntax highlighting for diffs', () => {
  it('knows a file’s language by its extension or its name', () => {
    expect(
      ['a.ts', 'b.tsx', 'c.mjs', 'd.json', 'e.css', 'f.html', 'README.md', 'g.py', 'h.go', 'i.rs', 'j.sh', 'k.yml'].map(
        languageOf,
      ),
    ).toEqual([
      'typescript',
      'typescript',
      'javascript',
      'json',
      'css',
      'xml',
      'markdown',
      'python',
      'go',
      'rust',
      'bash',
      'yaml',
    ]);
    expect(languageOf('docker/Dockerfile')).toBe('dockerfile');
    expect(languageOf('notes.txt')).toBeNull();
    expect(languageOf('.env')).toBeNull();
  });

  it('closes a span at a line end and opens it again on the next line, so each line stands alone', () => {
    expect(splitHighlighted('<span class="a">x\n<span class="b">y\nz</span></span> w\nv')).toEqual([
      '<span class="a">x</span>',
      '<span class="a"><span class="b">y</span></span>',
      '<span class="a"><span class="b">z</span></span> w',
      'v',
    ]);
  });

  it('highlights a multi-line comment on every one of its lines, escaping the text', async () => {
    const highlighter = await loadHighlighter('typescript');
    const lines = highlighter.lines('/* a\n b */\nconst x = "<b>";');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('<span class="hljs-comment">/* a</span>');
    expect(lines[1]).toBe('<span class="hljs-comment"> b */</span>');
    expect(lines[2]).toContain('<span class="hljs-keyword">const</span>');
    expect(lines[2]).toContain('&lt;b&gt;');
    expect(await loadHighlighter('typescript')).toBe(highlighter);
  });
});
