/**
 * What the suites that run real `switchyard` processes share: a project directory with the templates a suite
 * needs, the server's API, and a WebSocket client subscribed to the project's events.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export interface BenchProject {
  dir: string;
  remove(): Promise<void>;
}

/** A temporary project holding `templates` (file name → text) in its definitions folder. */
export async function benchProject(templates: Record<string, string>): Promise<BenchProject> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-project-'));
  const definitions = join(dir, '.agent', 'workflows', 'definitions');
  await mkdir(definitions, { recursive: true });
  for (const [name, text] of Object.entries(templates)) await writeFile(join(definitions, name), text);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A TypeScript template of `steps` no-op function steps in one phase, as the peer workload runs them. */
export const noOpTemplate = (steps: number) => `import { defineWorkflow } from '@switchyard/workflow-engine';

export default defineWorkflow({
  name: 'No-op ${steps}',
  phases: ['work'],
  async execute(ctx) {
    for (let i = 0; i < ${steps}; i++) await ctx.step(\`s\${i}\`, { phase: 'work', run: () => null });
  },
});
`;

export async function api<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** The server's one project and the id of its template `identifier`. */
export async function projectAndTemplate(url: string, identifier: string) {
  const projects = await api<{ data: { id: string }[] }>(url, 'GET', '/api/projects');
  const definitions = await api<{ data: { id: string; identifier: string }[] }>(
    url,
    'GET',
    '/api/workflow-definitions',
  );
  const definition = definitions.data.find((d) => d.identifier === identifier);
  if (!definition) throw new Error(`the server lists no template ${identifier}`);
  return { projectId: projects.data[0]!.id, definitionId: definition.id };
}

export interface EventFrame {
  id: number;
  type: string;
  data: { execution_id: string; status?: string; step_id?: string };
}

/** A WebSocket client subscribed to the project; resolves once the server has confirmed the subscription. */
export async function subscribe(
  url: string,
  projectId: string,
  onEvent: (event: EventFrame) => void,
): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const subscribed = new Promise<void>((resolve) => {
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as Partial<EventFrame> & { type: string };
      if (frame.type === 'subscribed') resolve();
      else if (frame.id !== undefined) onEvent(frame as EventFrame);
    });
  });
  socket.send(JSON.stringify({ type: 'subscribe', project_id: projectId }));
  await subscribed;
  return socket;
}

/** Resolves when `check` holds, polling; throws after `timeoutMs` naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
