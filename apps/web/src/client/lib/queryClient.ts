import { QueryClient } from '@tanstack/react-query';

/** Live data arrives over the WebSocket, so queries do not refetch on focus; a resync refetches explicitly. */
export function createAppQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { refetchOnWindowFocus: false, staleTime: 30_000, retry: 1 },
      mutations: { retry: 0 },
    },
  });
}
