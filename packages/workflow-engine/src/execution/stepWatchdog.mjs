/**
 * The step watchdog: one small process per process that runs steps, started with the first step. It holds the
 * read end of a pipe from its owner and does nothing until that pipe closes — which happens however the owner
 * ends, kill -9 included — then kills every step process the owner started (by tag, see processTags.mjs) and exits.
 * It lives in a session of its own, so a terminal's Ctrl-C or a signal to the owner's process group spares it.
 *
 * argv[2]: the owner, `<pid>.<start time>`.
 */
import { signalTagged } from './processTags.mjs';

const owner = process.argv[2];
if (!owner) process.exit(2);

const prefix = `${owner}/`;
async function killAll() {
  // A second pass catches what a dying process forked during the first; stop once a pass finds nothing.
  for (let pass = 0; pass < 5; pass++) {
    if ((await signalTagged((tag) => tag.startsWith(prefix), 'SIGKILL')) === 0) break;
  }
  process.exit(0);
}

process.stdin.on('data', () => undefined);
process.stdin.on('end', () => void killAll());
process.stdin.on('error', () => void killAll());
