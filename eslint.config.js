import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import switchyard from './tools/lint/no-import-cycle.js';

/** The source folders whose files may never import each other in a circle. */
export const SOURCE_ROOTS = ['packages/workflow-engine/src', 'packages/agent-cli-sdk/src', 'apps/web/src'];

/** `no-restricted-imports` patterns: what a layer must not reach, with the reason shown to whoever tries. */
const forbid = (...rules) => ({
  'no-restricted-imports': 'off',
  '@typescript-eslint/no-restricted-imports': ['error', { patterns: rules }],
});
const SERVER_PARTS = ['drizzle-orm', 'drizzle-orm/*', 'pg', '@electric-sql/*', 'fastify', '@fastify/*', 'ws'];

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'bench/results/**', '**/test/fixtures/**', '.agent/db/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: SOURCE_ROOTS.map((root) => `${root}/**/*.{ts,tsx}`),
    plugins: { switchyard },
    rules: { 'switchyard/no-import-cycle': ['error', { roots: SOURCE_ROOTS }] },
  },
  {
    files: ['packages/workflow-engine/src/**/*.ts'],
    rules: forbid(
      { group: ['@switchyard/web', '**/apps/**'], message: 'the engine never imports the web app' },
      { group: [...SERVER_PARTS, 'node:http', 'node:https'], message: 'the engine has no database and no HTTP' },
    ),
  },
  {
    files: ['packages/agent-cli-sdk/src/**/*.ts'],
    rules: forbid(
      {
        group: ['@switchyard/workflow-engine', '@switchyard/workflow-engine/*', '@switchyard/web', '**/apps/**'],
        message: 'the agent SDK depends on no other Switchyard package',
      },
      { group: SERVER_PARTS, message: 'the agent SDK has no database and no HTTP' },
    ),
  },
  {
    files: ['apps/web/src/server/domain/**/*.ts'],
    rules: forbid({
      group: ['**/routes/*', '**/http/*', 'fastify', '@fastify/*'],
      message: 'domain services never import routes or HTTP: throw typed errors from errors.ts',
    }),
  },
  {
    files: ['apps/web/src/protocol/**/*.ts'],
    rules: forbid(
      {
        group: ['**/server/*', '**/cli/*', '**/client/*'],
        message: 'the protocol is imported by the server, the CLI and the board; it imports none of them',
      },
      {
        regex: '^(node:|@switchyard/(?!workflow-engine/vocabulary$))',
        message: 'the protocol runs in browsers too: import @switchyard/workflow-engine/vocabulary',
      },
    ),
  },
  {
    files: ['apps/web/src/client/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...forbid(
        {
          group: ['**/server/*', '**/server/**', '**/cli/*', '**/cli/**'],
          message: 'the board talks to the server over HTTP and the WebSocket; it imports no server or CLI code',
        },
        {
          regex: '^(node:|@switchyard/(?!workflow-engine/vocabulary$))',
          message: 'the board runs in browsers: import @switchyard/workflow-engine/vocabulary, never the engine',
        },
      ),
    },
  },
);
