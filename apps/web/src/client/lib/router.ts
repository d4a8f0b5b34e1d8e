/**
 * A small router over the History API: the board has one page pattern (`/projects/:projectId/workflows`) and keeps
 * everything else (tab, filters, open run) in the query string, so any view is a link that survives a reload.
 */
import { useCallback, useSyncExternalStore } from 'react';

const CHANGE = 'switchyard:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(CHANGE, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(CHANGE, onChange);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export function navigate(url: string, options: { replace?: boolean } = {}): void {
  if (url === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new Event(CHANGE));
}

export interface Location {
  pathname: string;
  search: URLSearchParams;
}

export function useLocation(): Location {
  const current = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(current, window.location.origin);
  return { pathname: url.pathname, search: url.searchParams };
}

/** `/projects/:projectId/workflows` → the project id, or null on any other path. */
export function matchProject(pathname: string): string | null {
  const match = /^\/projects\/([^/]+)\/workflows\/?$/.exec(pathname);
  return match ? decodeURIComponent(match[1]!) : null;
}

/** Reads and writes query parameters; a null value removes the parameter. */
export function useSearchParam(): [
  URLSearchParams,
  (changes: Record<string, string | null>, replace?: boolean) => void,
] {
  const { search } = useLocation();
  const update = useCallback((changes: Record<string, string | null>, replace = false) => {
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === '') next.delete(key);
      else next.set(key, value);
    }
    const query = next.toString();
    navigate(`${window.location.pathname}${query ? `?${query}` : ''}`, { replace });
  }, []);
  return [search, update];
}
