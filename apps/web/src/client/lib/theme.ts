/** Light, dark, or the system's choice (the default), kept in localStorage and applied as `data-theme` on <html>. */
export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'switchyard.theme';

export function storedTheme(): ThemeChoice {
  const value = localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

export function applyTheme(choice: ThemeChoice = storedTheme()): void {
  if (choice === 'system') {
    localStorage.removeItem(KEY);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(KEY, choice);
    document.documentElement.dataset.theme = choice;
  }
}
