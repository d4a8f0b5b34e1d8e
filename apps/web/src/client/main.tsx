/** The board's entry: one query client, the theme, the router. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import * as Tooltip from '@radix-ui/react-tooltip';
import { App } from './App.tsx';
import { createAppQueryClient } from './lib/queryClient.ts';
import { applyTheme } from './lib/theme.ts';
import './styles/tokens.css';
import './styles/base.css';
import './styles/board.css';
import './styles/detail.css';
import './styles/changes.css';
import './styles/pages.css';

applyTheme();
const queryClient = createAppQueryClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <Tooltip.Provider delayDuration={300}>
        <App />
      </Tooltip.Provider>
    </QueryClientProvider>
  </StrictMode>,
);
