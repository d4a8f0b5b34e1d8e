/**
 * The board's build (`dist/client`, served by the API's `routes/client.ts`) and its dev server, which proxies the
 * API and the WebSocket to a running `switchyard serve` (`SWITCHYARD_API`, default http://127.0.0.1:4400).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.SWITCHYARD_API ?? 'http://127.0.0.1:4400';

export default defineConfig({
  root: fileURLToPath(new URL('./src/client', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/client', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5173,
    proxy: {
      // changeOrigin: the API refuses mutations whose Origin is not its own host.
      '/api': { target: api, changeOrigin: true },
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true, changeOrigin: true },
    },
  },
});
