/** The highlighter of a language once its chunk has loaded; null before, for a language we do not colour, or offline. */
import { useEffect, useState } from 'react';
import { loadHighlighter } from '../lib/highlight.ts';
import type { Highlighter, Language } from '../lib/highlight.ts';

export function useHighlighter(language: Language | null): Highlighter | null {
  const [state, setState] = useState<{ language: Language; highlighter: Highlighter } | null>(null);
  useEffect(() => {
    if (!language) return;
    let current = true;
    loadHighlighter(language).then(
      (highlighter) => current && setState({ language, highlighter }),
      // Plain text is still a readable diff: a highlighter that failed to load is not worth an error.
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [language]);
  return state && state.language === language ? state.highlighter : null;
}
