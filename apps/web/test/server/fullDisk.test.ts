/**
 * A full disk under a real server's executions folder (a 512 KiB tmpfs, which needs root as here and in CI; elsewhere
 * these tests say they are skipped): starting a run and uploading an artifact answer 507 with the reason, and leave
 * no run, no directory and no file behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS } from './databases.ts';
import { startTestServer } from './serverHarness.ts';
import type { TestServer } from './serverHarness.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

const probe = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"']);
const MOUNTABLE = probe.status === 0;
if (!MOUNTABLE)
  console.warn('\n⚠ mounting a tmpfs is not permitted here (it needs root): the full-disk API tests are SKIPPED\n');

describe.skipIf(!MOUNTABLE)('a server whose disk is full', () => {
  let t: TestServer;
  let executions: string;
  let runId: string;
  beforeAll(async () => {
    t = await startTestServer(DATABASE_KINDS[0]!);
    executions = join(t.projectDir, '.agent', 'workflows', 'executions');
    await mkdir(executions, { recursive: true });
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', executions]).status).toBe(0);
    // A run made while there is room, to upload to once there is none.
    const created = await t.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await t.definitionId('simple-pipeline'),
      args: {},
    });
    runId = created.body.id;
    await t.waitForRun(runId, (run) => ['completed', 'failed'].includes(run.status));
    await writeFile(join(executions, 'filler'), Buffer.alloc(512 * 1024)).catch(() => undefined);
  }, 90_000);
  afterAll(async () => {
    spawnSync('umount', [executions]);
    await t?.close();
  });

  it('answers 507 to a run it cannot pin, and creates neither the run nor its directory', async () => {
    const before = await readdir(executions);
    const answer = await t.api<ErrorBody>('POST', '/api/workflow-executions', {
      workflow_definition_id: await t.definitionId('simple-pipeline'),
      args: {},
    });
    expect(answer.status).toBe(507);
    expect(answer.body.error.code).toBe('storage_unwritable');
    expect(answer.body.error.message).toMatch(/^the server could not write its data: ENOSPC/);
    expect(await readdir(executions)).toEqual(before);
    const runs = await t.api<{ data: { id: string }[] }>('GET', '/api/workflow-executions');
    expect(runs.body.data.map((run) => run.id)).toEqual([runId]);
  });

  it('answers 507 to an upload it cannot store, and keeps no part of it', async () => {
    const run = await t.api<{ steps: { id: string }[] }>('GET', `/api/workflow-executions/${runId}`);
    const artifactsDir = join(executions, runId, 'artifacts');
    const before = await readdir(artifactsDir, { recursive: true });
    const form = new FormData();
    form.append('workflow_run_step_id', run.body.steps[0]!.id);
    form.append('file', new Blob([Buffer.alloc(200 * 1024, 1)]), 'big.bin');
    const response = await fetch(`${t.url}/api/workflow-executions/${runId}/artifacts`, { method: 'POST', body: form });
    expect(response.status).toBe(507);
    expect(((await response.json()) as ErrorBody).error.code).toBe('storage_unwritable');
    expect(await readdir(artifactsDir, { recursive: true })).toEqual(before);
  });
});
