/**
 * `GET /`: what a person opening the server in a browser sees until the board arrives — the project's templates
 * and latest runs, and where the API is.
 */
import type { FastifyInstance } from 'fastify';
import { desc, eq } from 'drizzle-orm';
import type { AppDatabase } from '../db/connection.ts';
import { projects, workflowDefinitions, workflowRuns } from '../db/schema.ts';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export async function indexPage(app: FastifyInstance, opts: { db: AppDatabase; defaultProjectId: string }) {
  app.get('/', async (_request, reply) => {
    const { db } = opts;
    const [project] = await db.select().from(projects).where(eq(projects.id, opts.defaultProjectId));
    const templates = await db
      .select()
      .from(workflowDefinitions)
      .where(eq(workflowDefinitions.project_id, opts.defaultProjectId))
      .orderBy(workflowDefinitions.name);
    const runs = await db
      .select()
      .from(workflowRuns)
      .where(eq(workflowRuns.project_id, opts.defaultProjectId))
      .orderBy(desc(workflowRuns.created_at))
      .limit(20);
    const templateRows = templates
      .map(
        (t) =>
          `<tr><td>${escape(t.name)}</td><td><code>${escape(t.identifier)}</code></td><td>${t.type}</td><td>${
            t.error ? `<span class="bad">${escape(t.error)}</span>` : 'valid'
          }</td><td><code>${t.id}</code></td></tr>`,
      )
      .join('');
    const runRows = runs
      .map(
        (r) =>
          `<tr><td>${escape(r.name)}</td><td>${r.status}</td><td>${escape(r.current_phase ?? '')}</td><td><a href="/api/workflow-executions/${r.id}"><code>${r.id}</code></a></td></tr>`,
      )
      .join('');
    reply.header('content-type', 'text/html; charset=utf-8');
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchyard</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}.bad{color:#b00}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}td,th{border-color:#333}a{color:#8cf}}</style></head>
<body><h1>Switchyard</h1><p>Project <strong>${escape(project?.name ?? '')}</strong> — <code>${escape(project?.path ?? '')}</code></p>
<p>API: <a href="/api/workflow-definitions">/api/workflow-definitions</a>, <a href="/api/workflow-executions">/api/workflow-executions</a>, WebSocket <code>/ws</code>.</p>
<h2>Templates</h2><table><tr><th>name</th><th>id</th><th>type</th><th>status</th><th>workflow_definition_id</th></tr>${templateRows}</table>
<h2>Latest runs</h2><table><tr><th>name</th><th>status</th><th>phase</th><th>id</th></tr>${runRows || '<tr><td colspan="4">no runs yet</td></tr>'}</table>
</body></html>`;
  });
}
