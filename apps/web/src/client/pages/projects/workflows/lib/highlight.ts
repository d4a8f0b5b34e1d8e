/**
 * Syntax highlighting for the run detail (diffs and template sources), by highlight.js loaded on first use: its
 * core and each language are chunks of their own, fetched when a file of that language is shown, so neither the
 * board's first paint nor the detail drawer pays for a language nobody looks at.
 */
import type { HLJSApi, LanguageFn } from 'highlight.js';

const LANGUAGES = {
  typescript: () => import('highlight.js/lib/languages/typescript'),
  javascript: () => import('highlight.js/lib/languages/javascript'),
  json: () => import('highlight.js/lib/languages/json'),
  css: () => import('highlight.js/lib/languages/css'),
  scss: () => import('highlight.js/lib/languages/scss'),
  xml: () => import('highlight.js/lib/languages/xml'),
  markdown: () => import('highlight.js/lib/languages/markdown'),
  python: () => import('highlight.js/lib/languages/python'),
  go: () => import('highlight.js/lib/languages/go'),
  rust: () => import('highlight.js/lib/languages/rust'),
  bash: () => import('highlight.js/lib/languages/bash'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
  ini: () => import('highlight.js/lib/languages/ini'),
  sql: () => import('highlight.js/lib/languages/sql'),
  java: () => import('highlight.js/lib/languages/java'),
  ruby: () => import('highlight.js/lib/languages/ruby'),
  cpp: () => import('highlight.js/lib/languages/cpp'),
  dockerfile: () => import('highlight.js/lib/languages/dockerfile'),
  makefile: () => import('highlight.js/lib/languages/makefile'),
} satisfies Record<string, () => Promise<{ default: LanguageFn }>>;

export type Language = keyof typeof LANGUAGES;

const BY_EXTENSION: Record<string, Language> = {
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  json: 'json',
  jsonc: 'json',
  css: 'css',
  scss: 'scss',
  html: 'xml',
  htm: 'xml',
  xml: 'xml',
  svg: 'xml',
  vue: 'xml',
  md: 'markdown',
  markdown: 'markdown',
  py: 'python',
  go: 'go',
  rs: 'rust',
  sh: 'bash',
  bash: 'bash',
  zsh: 'bash',
  yaml: 'yaml',
  yml: 'yaml',
  toml: 'ini',
  ini: 'ini',
  sql: 'sql',
  java: 'java',
  rb: 'ruby',
  c: 'cpp',
  h: 'cpp',
  cc: 'cpp',
  cpp: 'cpp',
  hpp: 'cpp',
};

const BY_NAME: Record<string, Language> = { dockerfile: 'dockerfile', makefile: 'makefile', gnumakefile: 'makefile' };

/** The language of a file by its name (`Dockerfile`, `Makefile`) or extension; null for one we do not colour. */
export function languageOf(path: string): Language | null {
  const name = (path.split('/').at(-1) ?? '').toLowerCase();
  if (BY_NAME[name]) return BY_NAME[name];
  const dot = name.lastIndexOf('.');
  return dot > 0 ? (BY_EXTENSION[name.slice(dot + 1)] ?? null) : null;
}

/**
 * Highlighted HTML cut into lines. highlight.js escapes the text, so its only markup is `<span class="…">` and
 * `</span>`; a span that crosses a line end is closed there and opened again on the next line, so every line is
 * markup that stands alone in its own table cell.
 */
export function splitHighlighted(html: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let current = '';
  for (const [token] of html.matchAll(/<span[^>]*>|<\/span>|\n|[^<\n]+/g)) {
    if (token === '\n') {
      lines.push(current + '</span>'.repeat(open.length));
      current = open.join('');
    } else if (token === '</span>') {
      open.pop();
      current += token;
    } else {
      if (token.startsWith('<span')) open.push(token);
      current += token;
    }
  }
  lines.push(current);
  return lines;
}

export interface Highlighter {
  /** The text highlighted, as HTML. */
  html(text: string): string;
  /** The text highlighted, one HTML string per line of it. */
  lines(text: string): string[];
}

let core: Promise<HLJSApi> | null = null;
const loaded = new Map<Language, Promise<Highlighter>>();

/** The highlighter of one language, loading highlight.js's core and the language the first time it is asked. */
export function loadHighlighter(language: Language): Promise<Highlighter> {
  let highlighter = loaded.get(language);
  if (!highlighter) {
    core ??= import('highlight.js/lib/core').then((module) => module.default);
    highlighter = Promise.all([core, LANGUAGES[language]()]).then(([hljs, definition]) => {
      if (!hljs.getLanguage(language)) hljs.registerLanguage(language, definition.default);
      const html = (text: string) => hljs.highlight(text, { language, ignoreIllegals: true }).value;
      return { html, lines: (text: string) => splitHighlighted(html(text)) };
    });
    // A chunk that failed to load (a new deploy, a dropped connection) is asked for again next time.
    highlighter.catch(() => loaded.delete(language));
    loaded.set(language, highlighter);
  }
  return highlighter;
}
