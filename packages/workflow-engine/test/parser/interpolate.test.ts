import { describe, expect, test } from 'vitest';
import { ExpressionSyntaxError } from '../../src/parser/expression.ts';
import { parseTemplateString, renderTemplate, stringifyValue, templatePaths } from '../../src/parser/interpolate.ts';

const scope = {
  args: { issue: 'BUG-1', count: 2, flags: ['a', 'b'], nested: { x: 1 }, quote: `it's "here"; rm -rf /` },
  steps: { review: { status: 'completed', output: { text: 'Looks good', json: { ok: true } } } },
};

describe('rendering', () => {
  test.each([
    ['no placeholders', 'no placeholders'],
    ['Fix {{ args.issue }} now', 'Fix BUG-1 now'],
    ['{{args.issue}}{{ args.count }}', 'BUG-12'],
    ['{{ args.flags }}', '["a","b"]'],
    ['{{ args.nested }}', '{"x":1}'],
    ['[{{ args.missing }}]', '[]'],
    ['Review: {{ steps.review.output.text }}', 'Review: Looks good'],
    ['{{ steps.review.output.json.ok }} / {{ steps.review.status }}', 'true / completed'],
    ['{{ args.quote }}', `it's "here"; rm -rf /`],
    ['a } b { c', 'a } b { c'],
  ])('%j → %j', (text, expected) => {
    expect(renderTemplate(parseTemplateString(text), scope)).toBe(expected);
  });
});

test('templatePaths lists the references, with their column in the text', () => {
  const template = parseTemplateString('x {{ args.issue }} {{steps.review.output.text}}');
  expect(templatePaths(template).map((path) => [path.segments.join('.'), path.column])).toEqual([
    ['args.issue', 6],
    ['steps.review.output.text', 22],
  ]);
});

describe('malformed placeholders are syntax errors with a column', () => {
  test.each([
    ['Fix {{ args.issue', 5, '"{{" is never closed'],
    ['Fix {{ }}', 5, 'empty {{ }}'],
    ['Fix {{ args.count == 1 }}', 8, 'must be a path'],
    ["Fix {{ 'text' }}", 8, 'must be a path'],
    ['Fix {{ args. }}', 13, 'expected a field name'],
  ])('%j', (text, column, reason) => {
    let error: unknown;
    try {
      parseTemplateString(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ExpressionSyntaxError);
    expect((error as ExpressionSyntaxError).column).toBe(column);
    expect((error as ExpressionSyntaxError).message).toContain(reason);
  });
});

test('stringifyValue: strings as they are, objects as JSON, missing as empty', () => {
  expect([
    stringifyValue('a'),
    stringifyValue(1),
    stringifyValue(false),
    stringifyValue(null),
    stringifyValue(undefined),
  ]).toEqual(['a', '1', 'false', '', '']);
  expect(stringifyValue({ a: [1] })).toBe('{"a":[1]}');
});
