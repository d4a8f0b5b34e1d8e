/**
 * The template inspector's child process (see templateInspector.ts): loads templates one request at a time and
 * answers what inspection.ts says. Whatever a template does while loading — spin forever, call process.exit, crash —
 * happens here, never in the process that asked.
 *
 * Plain JavaScript, started by a bare `node`: the engine's TypeScript is loaded through jiti, as templates are.
 */
import { createJiti } from 'jiti';

const jiti = createJiti(import.meta.url, { fsCache: true });
const { inspectHere } = await jiti.import('./inspection.ts');

// A template that calls process.exit while loading gets an error it can be told about, instead of ending this process
// before it answers.
process.exit = function exit(code) {
  const error = new Error(`process.exit(${code ?? ''}) was called; a template must not end the process`);
  // The stack starts at the caller, so that the error points at the template's line.
  Error.captureStackTrace(error, exit);
  throw error;
};

process.on('message', (request) => {
  void inspectHere(request).then((reply) => process.send(reply));
});
// The asking process is gone: nothing to answer for.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
process.send({ ready: true });
