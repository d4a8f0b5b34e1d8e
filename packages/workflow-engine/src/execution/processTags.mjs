/**
 * Finding every process a step started, wherever it went. A step's command runs in a process group and session of
 * its own, so one signal reaches its tree; but a child can leave both (`setsid cmd &`, a double fork) and is then
 * re-parented to init, out of reach of a signal to the group. What it does not shed is its environment: every step
 * process carries `SWITCHYARD_STEP_TAG=<owner>/<step>`, and whatever it starts inherits it (the technique of
 * Jenkins' ProcessTreeKiller). On Linux the tag is read from `/proc/<pid>/environ`. cgroups would be exact, but
 * they need root or a delegated hierarchy; a process that empties its own environment (`env -i`) escapes this.
 *
 * The owner is the process that spawned the step, as `<pid>.<start time>`, so that a recycled pid is never taken
 * for a live owner.
 *
 * Plain JavaScript: the step watchdog (stepWatchdog.mjs) imports it in a bare Node process, without TypeScript.
 */
import { readdir, readFile } from 'node:fs/promises';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';

export const TAG_VARIABLE = 'SWITCHYARD_STEP_TAG';
const NEEDLE = Buffer.from(`\0${TAG_VARIABLE}=`);

/** Whether processes can be found by their tag here (Linux, with /proc). */
export const TAGS_READABLE = process.platform === 'linux';

/** `<pid>.<start time in clock ticks>` of a live process, or undefined when there is none (or no /proc). */
export function ownerOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces or ")": fields are counted after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${pid}.${fields[19]}`;
  } catch {
    return undefined;
  }
}

/** Whether the owner named in a tag (`<pid>.<start>/…`) is still the process it was. */
export function ownerAlive(tag) {
  const owner = tag.split('/')[0] ?? '';
  const pid = Number.parseInt(owner, 10);
  return Number.isInteger(pid) && pid > 0 && ownerOf(pid) === owner;
}

/** Every process carrying a tag: `[{ pid, tag }]`. Processes that end while being read are left out. */
export async function listTagged() {
  if (!TAGS_READABLE) return [];
  const entries = await readdir('/proc').catch(() => []);
  const found = [];
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
      .map(async (name) => {
        const environ = await readFile(`/proc/${name}/environ`).catch(() => undefined);
        if (!environ) return;
        // The first variable has no NUL before it; every later one does.
        const first = environ.subarray(0, NEEDLE.length - 1).equals(NEEDLE.subarray(1));
        const at = first ? -1 : environ.indexOf(NEEDLE);
        if (!first && at < 0) return;
        const start = at + NEEDLE.length;
        const end = environ.indexOf(0, start);
        found.push({ pid: Number(name), tag: environ.subarray(start, end < 0 ? undefined : end).toString() });
      }),
  );
  return found;
}

/** Signals every tagged process whose tag `matches`; answers how many were signalled. */
export async function signalTagged(matches, signal) {
  let signalled = 0;
  for (const { pid, tag } of await listTagged()) {
    if (!matches(tag)) continue;
    try {
      process.kill(pid, signal);
      signalled++;
    } catch {
      // Gone meanwhile.
    }
  }
  return signalled;
}
