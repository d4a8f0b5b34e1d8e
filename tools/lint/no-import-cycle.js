/**
 * ESLint rule `switchyard/no-import-cycle`: no source file may reach itself through its imports. Type-only
 * imports count — they tie files together for a reader as much as value imports do. The import graph of the
 * configured source roots is built once per lint run (relative imports only; packages are not followed), its
 * strongly connected components found with Tarjan's algorithm, and each import that closes a cycle is reported
 * with the whole circle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SKIPPED_DIRS = /^(node_modules|dist|test|e2e|__tests__)$/;
const SOURCE_FILE = /\.(ts|tsx)$/;
const NOT_SOURCE = /\.(test|spec)\.tsx?$|\.d\.ts$/;
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

function sourceFiles(root) {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (!SKIPPED_DIRS.test(name)) walk(path);
      } else if (SOURCE_FILE.test(name) && !NOT_SOURCE.test(name)) files.push(resolve(path));
    }
  };
  if (existsSync(root)) walk(root);
  return files;
}

function resolveImport(from, specifier, known) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, `${base}.tsx`];
  candidates.push(join(base, 'index.ts'), join(base, 'index.tsx'));
  return candidates.find((candidate) => known.has(candidate));
}

/** Each file in a cycle → the files of its cycle, in the order Tarjan's algorithm found them. */
function findCycles(roots) {
  const files = roots.flatMap(sourceFiles);
  const known = new Set(files);
  const edges = new Map();
  for (const file of files) {
    const targets = new Set();
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolveImport(file, match[1] ?? match[2], known);
      if (target && target !== file) targets.add(target);
    }
    edges.set(file, targets);
  }
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycleOf = new Map();
  const visit = (file) => {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const target of edges.get(file)) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file), low.get(target)));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file), index.get(target)));
    }
    if (low.get(file) !== index.get(file)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) for (const each of component) cycleOf.set(each, component);
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return { cycleOf, known };
}

/** One graph per set of roots per process: ESLint lints every file of a run in the same process. */
const graphs = new Map();

export const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'disallow import cycles among the source files (type-only imports included)' },
    schema: [
      {
        type: 'object',
        properties: { roots: { type: 'array', items: { type: 'string' } } },
        required: ['roots'],
        additionalProperties: false,
      },
    ],
    messages: { cycle: 'import cycle: {{circle}}' },
  },
  create(context) {
    const cwd = context.cwd;
    const roots = context.options[0].roots.map((root) => resolve(cwd, root));
    const key = roots.join('\n');
    if (!graphs.has(key)) graphs.set(key, findCycles(roots));
    const { cycleOf, known } = graphs.get(key);
    const file = resolve(context.filename);
    const cycle = cycleOf.get(file);
    if (!cycle) return {};
    const check = (node) => {
      const target = node.source && resolveImport(file, node.source.value, known);
      if (!target || !cycle.includes(target)) return;
      const circle = cycle.map((member) => relative(cwd, member)).join(' → ');
      context.report({ node: node.source, messageId: 'cycle', data: { circle } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};

export default { rules: { 'no-import-cycle': noImportCycle } };
