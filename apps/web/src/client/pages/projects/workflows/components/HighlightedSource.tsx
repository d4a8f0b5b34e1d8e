/**
 * The pinned template source, highlighted by highlight.js once its chunk has loaded (plain text until then).
 * highlight.js escapes the text; only its spans are markup.
 */
import { useMemo } from 'react';
import type { TemplateSource } from '../../../../../protocol/board.ts';
import { useHighlighter } from '../hooks/useHighlighter.ts';

export function HighlightedSource({ source }: { source: TemplateSource }) {
  const highlighter = useHighlighter(source.language === 'text' ? null : source.language);
  const html = useMemo(() => highlighter?.html(source.text) ?? null, [highlighter, source]);
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
