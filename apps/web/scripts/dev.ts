/**
 * `npm run dev`: the API (`switchyard serve` on 4400, or `SWITCHYARD_API` when one already runs) and Vite's dev
 * server on 5173 with hot reload, proxying /api and /ws to it. Ctrl-C stops both.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const WEB = fileURLToPath(new URL('..', import.meta.url));
const api = process.env.SWITCHYARD_API
  ? null
  : spawn(process.execPath, [fileURLToPath(new URL('../bin/switchyard.js', import.meta.url)), 'serve'], {
      stdio: 'inherit',
      cwd: process.cwd(),
    });
const vite = await createServer({ configFile: `${WEB}/vite.config.ts` });
await vite.listen();
vite.printUrls();
const stop = async () => {
  api?.kill('SIGTERM');
  await vite.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
api?.on('exit', (code) => {
  if (code !== 0) process.stderr.write(`switchyard serve exited with ${code}\n`);
});
