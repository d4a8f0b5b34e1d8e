/**
 * The architecture rules `npm run lint` keeps (eslint.config.js): each fails on a planted violation, with a
 * message that says what is wrong.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';
import switchyard from '../../../tools/lint/no-import-cycle.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

async function messagesFor(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: REPO });
  const [result] = await eslint.lintText(code, { filePath: join(REPO, file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the layering lint keeps', () => {
  it.each([
    [
      'packages/workflow-engine/src/execution/planted.ts',
      "import pg from 'pg';",
      'the engine has no database and no HTTP',
    ],
    [
      'packages/workflow-engine/src/planted.ts',
      "import { buildApp } from '../../../apps/web/src/server/app.ts';",
      'the engine never imports the web app',
    ],
    [
      'packages/agent-cli-sdk/src/planted.ts',
      "import { createExecutor } from '@switchyard/workflow-engine';",
      'the agent SDK depends on no other Switchyard package',
    ],
    [
      'apps/web/src/server/domain/workflow/planted.ts',
      "import { parseInput } from '../../http/parseInput.ts';",
      'domain services never import routes or HTTP',
    ],
    [
      'apps/web/src/server/domain/project/planted.ts',
      "import type { FastifyInstance } from 'fastify';",
      'domain services never import routes or HTTP',
    ],
    [
      'apps/web/src/protocol/planted.ts',
      "import { readFile } from 'node:fs/promises';",
      'the protocol runs in browsers too',
    ],
    [
      'apps/web/src/protocol/planted.ts',
      "import { createExecutor } from '@switchyard/workflow-engine';",
      'the protocol runs in browsers too',
    ],
    [
      'apps/web/src/protocol/planted.ts',
      "import { startServer } from '../server/serve.ts';",
      'the protocol is imported by the server, the CLI and the board',
    ],
  ])('refuses %s importing `%s`', async (file, line, reason) => {
    const messages = await messagesFor(file, `${line}\n`);
    expect(messages.join('\n')).toContain(reason);
    expect(messages.some((m) => m.startsWith('@typescript-eslint/no-restricted-imports'))).toBe(true);
  });

  it("lets the protocol import the engine's browser-safe vocabulary", async () => {
    const messages = await messagesFor(
      'apps/web/src/protocol/planted.ts',
      "import { RUN_STATUSES } from '@switchyard/workflow-engine/vocabulary';\nexport const statuses = RUN_STATUSES;\n",
    );
    expect(messages).toEqual([]);
  });
});

describe('switchyard/no-import-cycle', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function plant(files: Record<string, string>): Promise<ESLint.LintResult[]> {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-lint-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) {
      await mkdir(join(dir, 'src', name, '..'), { recursive: true });
      await writeFile(join(dir, 'src', name), text);
    }
    const eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['**/*.ts'],
          languageOptions: { parser: tseslint.parser },
          plugins: { switchyard },
          rules: { 'switchyard/no-import-cycle': ['error', { roots: ['src'] }] },
        },
      ],
    });
    return eslint.lintFiles(['src/**/*.ts']);
  }

  it('fails every file of a planted three-file circle, type-only imports included, naming the circle', async () => {
    const results = await plant({
      'a.ts': "import { b } from './b.ts';\nexport const a = b + 1;\n",
      'b.ts': "import type { C } from './nested/c.ts';\nexport const b: C = 1;\n",
      'nested/c.ts': "import { a } from '../a.ts';\nexport type C = number;\nexport const c = a;\n",
      'leaf.ts': "import { a } from './a.ts';\nexport const leaf = a;\n",
    });
    const byFile = Object.fromEntries(results.map((r) => [r.filePath.replace(/.*\/src\//, ''), r.messages]));
    expect(Object.keys(byFile).sort()).toEqual(['a.ts', 'b.ts', 'leaf.ts', 'nested/c.ts']);
    expect(byFile['leaf.ts']).toEqual([]);
    for (const file of ['a.ts', 'b.ts', 'nested/c.ts']) {
      expect(byFile[file]!.map((m) => m.ruleId)).toEqual(['switchyard/no-import-cycle']);
      expect(byFile[file]![0]!.message).toMatch(/^import cycle: src\/.+ → src\/.+ → src\/.+$/);
      for (const member of ['src/a.ts', 'src/b.ts', 'src/nested/c.ts'])
        expect(byFile[file]![0]!.message).toContain(member);
    }
  });

  it('passes once the circle is broken', async () => {
    const results = await plant({
      'a.ts': "import { b } from './b.ts';\nexport const a = b + 1;\n",
      'b.ts': 'export const b = 1;\n',
    });
    expect(results.flatMap((r) => r.messages)).toEqual([]);
  });
});
