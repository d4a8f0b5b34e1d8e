/**
 * Inline or side-by-side diffs: the choice is remembered in localStorage. A narrow window (a phone, a split
 * screen) starts inline whatever was chosen on a wide one, as two columns of code do not fit there.
 */
import { useState } from 'react';
import type { DiffMode } from '../components/DiffView.tsx';

const KEY = 'switchyard.diffMode';
const NARROW = '(max-width: 720px)';

export function useDiffMode(): [DiffMode, (mode: DiffMode) => void] {
  const [mode, setMode] = useState<DiffMode>(() =>
    localStorage.getItem(KEY) === 'split' && !window.matchMedia(NARROW).matches ? 'split' : 'inline',
  );
  return [
    mode,
    (chosen) => {
      localStorage.setItem(KEY, chosen);
      setMode(chosen);
    },
  ];
}
