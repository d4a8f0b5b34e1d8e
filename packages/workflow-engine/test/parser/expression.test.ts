import { describe, expect, test } from 'vitest';
import {
  ExpressionSyntaxError,
  evaluateExpression,
  expressionPaths,
  parseExpression,
} from '../../src/parser/expression.ts';

const scope = {
  args: { count: 3, mode: 'safe', deploy: true, empty: '', tags: ['a'] },
  steps: {
    build: { status: 'completed', output: { exitCode: 0, stdout: 'ok', json: { ok: true, items: [{ name: 'x' }] } } },
    'run-tests': { status: 'failed', output: { exitCode: 1 } },
    skipped: { status: 'skipped', output: null },
  },
};

describe('if: expressions evaluate against args and step results', () => {
  test.each([
    ['true', true],
    ['false', false],
    ['null', null],
    ['42', 42],
    ['-1.5', -1.5],
    ["'single'", 'single'],
    ['"double"', 'double'],
    ['args.count', 3],
    ['args.count == 3', true],
    ['args.count != 3', false],
    ["args.count == '3'", false],
    ['args.count > 2', true],
    ['args.count >= 3', true],
    ['args.count < 3', false],
    ['args.count <= 3', true],
    ["args.mode == 'safe'", true],
    ['args.mode == "safe"', true],
    ["args.mode < 'zebra'", true],
    ['args.mode > 1', false],
    ['args.missing == null', true],
    ['args.missing != null', false],
    ['args.missing > 0', false],
    ['steps.build.output.exitCode == 0', true],
    ["steps.build.status == 'completed'", true],
    ['steps.build.output.json.ok', true],
    ['steps.build.output.json.items.0.name == "x"', true],
    ['steps.run-tests.output.exitCode != 0', true],
    ["steps.skipped.status == 'skipped'", true],
    ['steps.skipped.output.exitCode == null', true],
    ['!args.deploy', false],
    ['!args.empty', true],
    ['!!args.mode', true],
    ["args.deploy && args.mode == 'safe'", true],
    ['args.deploy && args.empty', false],
    ['args.empty || args.count > 1', true],
    ['false || false', false],
    ['true || false && false', true],
    ['(true || false) && false', false],
    ["!(steps.build.status == 'completed' && steps.build.output.json.ok == true)", false],
    ['  args.count   ==3  ', true],
  ])('%s → %j', (source, expected) => {
    const value = evaluateExpression(parseExpression(source), scope);
    expect(typeof expected === 'boolean' ? Boolean(value) : value).toEqual(expected);
  });
});

describe('syntax errors give the column within the expression', () => {
  test.each([
    ['steps.build.output.exitCode = 0', 29, 'unexpected "=" (use == to compare)'],
    ['args.a & args.b', 8, 'unexpected "&" (use &&)'],
    ['args.a | args.b', 8, 'unexpected "|" (use ||)'],
    ['args.count ==', 14, 'expected a value but the expression ended'],
    ['(args.count == 1', 17, 'expected ")"'],
    ["args.mode == 'safe", 14, 'unterminated string'],
    ['args.count 1', 12, 'unexpected "1" after a complete expression'],
    ['args.', 6, 'expected a field name after "."'],
    ['== 1', 1, 'expected a value but found "=="'],
    ['', 1, 'expected a value but the expression ended'],
    ['args.count == 1 ;', 17, 'unexpected ";"'],
  ])('%j fails at column %i', (source, column, reason) => {
    let error: unknown;
    try {
      parseExpression(source);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ExpressionSyntaxError);
    expect((error as ExpressionSyntaxError).column).toBe(column);
    expect((error as ExpressionSyntaxError).message).toContain(reason);
  });
});

test('expressionPaths lists every path read, for parse-time reference checks', () => {
  const paths = expressionPaths(parseExpression("!(args.a == 1) || steps.b.status == 'failed' && env.x"));
  expect(paths.map((path) => path.segments.join('.'))).toEqual(['args.a', 'steps.b.status', 'env.x']);
  expect(paths.map((path) => path.column)).toEqual([3, 19, 49]);
});

test('a path reads own properties only: an array length, never the prototype', () => {
  expect(evaluateExpression(parseExpression('args.constructor'), scope)).toBeUndefined();
  expect(evaluateExpression(parseExpression('args.__proto__'), scope)).toBeUndefined();
  expect(evaluateExpression(parseExpression('args.tags.length > 0'), scope)).toBe(true);
});
