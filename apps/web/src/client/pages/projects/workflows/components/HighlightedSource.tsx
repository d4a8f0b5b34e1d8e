/** The pinned template source, highlighted by highlight.js (which escapes the text; only its spans are markup). */
import { useMemo } from 'react';
import hljs from 'highlight.js/lib/core';
import typescript from 'highlight.js/lib/languages/typescript';
import yaml from 'highlight.js/lib/languages/yaml';
import type { TemplateSource } from '../../../../../protocol/board.ts';

hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('yaml', yaml);

export function HighlightedSource({ source }: { source: TemplateSource }) {
  const html = useMemo(
    () =>
      source.language === 'text'
        ? null
        : hljs.highlight(source.text, { language: source.language, ignoreIllegals: true }).value,
    [source],
  );
  const lines = source.text.split('\n').length;
  return (
    <div className="source">
      <div className="source-head">
        <span className="mono">{source.file}</span>
        <span className="muted">
          {source.language} · {lines} lines
        </span>
      </div>
      <pre className="source-body hljs">
        {html === null ? source.text : <code dangerouslySetInnerHTML={{ __html: html }} />}
      </pre>
    </div>
  );
}
