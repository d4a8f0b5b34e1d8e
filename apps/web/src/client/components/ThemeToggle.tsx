import { useState } from 'react';
import { applyTheme, storedTheme } from '../lib/theme.ts';
import type { ThemeChoice } from '../lib/theme.ts';

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<ThemeChoice, string> = { system: 'System theme', light: 'Light theme', dark: 'Dark theme' };
const GLYPH: Record<ThemeChoice, string> = { system: '◐', light: '☀', dark: '☾' };

/** Cycles system → light → dark; the system's choice is the default. */
export function ThemeToggle() {
  const [theme, setTheme] = useState<ThemeChoice>(storedTheme);
  return (
    <button
      className="icon-btn"
      aria-label={`${LABEL[theme]} (switch to ${LABEL[NEXT[theme]].toLowerCase()})`}
      title={LABEL[theme]}
      onClick={() => {
        applyTheme(NEXT[theme]);
        setTheme(NEXT[theme]);
      }}
    >
      <span aria-hidden>{GLYPH[theme]}</span>
    </button>
  );
}
