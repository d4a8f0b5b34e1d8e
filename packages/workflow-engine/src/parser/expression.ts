/**
 * The `if:` expression language of YAML templates: a hand-written tokenizer and recursive-descent parser that
 * produce an AST, and an evaluator that walks it. Nothing is ever handed to `eval` or `Function`.
 *
 * Grammar (lowest precedence first):
 *
 * ```
 * or         := and ( '||' and )*
 * and        := unary ( '&&' unary )*
 * unary      := '!' unary | comparison
 * comparison := primary ( ( '==' | '!=' | '<' | '<=' | '>' | '>=' ) primary )?
 * primary    := literal | path | '(' or ')'
 * literal    := number | 'single' | "double" | true | false | null
 * path       := ident ( '.' segment )*        e.g. args.count, steps.build.output.exitCode
 * ```
 *
 * Identifiers may contain `-` (step ids are slugs like `run-tests`); the language has no arithmetic, so this is
 * unambiguous. Semantics: `==`/`!=` are strict (no coercion; a missing value equals `null`); ordering compares two
 * numbers or two strings and is false for anything else; `&&`, `||`, `!` use JavaScript truthiness.
 */

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Expression =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'path'; segments: string[]; column: number }
  | { kind: 'not'; operand: Expression }
  | { kind: 'and' | 'or'; left: Expression; right: Expression }
  | { kind: 'compare'; operator: ComparisonOperator; left: Expression; right: Expression };

export type PathExpression = Extract<Expression, { kind: 'path' }>;

/** A syntax error in an expression; `column` is 1-based within the expression text. */
export class ExpressionSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly column: number,
  ) {
    super(`${reason} at column ${column}`);
    this.name = 'ExpressionSyntaxError';
  }
}

type Token =
  | { type: 'number'; value: number; column: number }
  | { type: 'string'; value: string; column: number }
  | { type: 'ident'; value: string; column: number }
  | { type: 'op'; value: string; column: number }
  | { type: 'end'; column: number };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '.'];
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;
const DIGIT = /[0-9]/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    const column = i + 1;
    if (/\s/.test(char)) {
      i++;
    } else if (DIGIT.test(char) || (char === '-' && DIGIT.test(source[i + 1] ?? ''))) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(source.slice(i))!;
      tokens.push({ type: 'number', value: Number(match[0]), column });
      i += match[0].length;
    } else if (char === "'" || char === '"') {
      const end = source.indexOf(char, i + 1);
      if (end === -1) throw new ExpressionSyntaxError(`unterminated string starting with ${char}`, column);
      tokens.push({ type: 'string', value: source.slice(i + 1, end), column });
      i = end + 1;
    } else if (IDENT_START.test(char)) {
      let end = i + 1;
      while (end < source.length && IDENT_PART.test(source[end]!)) end++;
      tokens.push({ type: 'ident', value: source.slice(i, end), column });
      i = end;
    } else {
      const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
      if (!op) {
        const hint =
          char === '=' ? ' (use == to compare)' : char === '&' || char === '|' ? ` (use ${char}${char})` : '';
        throw new ExpressionSyntaxError(`unexpected "${char}"${hint}`, column);
      }
      tokens.push({ type: 'op', value: op, column });
      i += op.length;
    }
  }
  tokens.push({ type: 'end', column: source.length + 1 });
  return tokens;
}

const COMPARISONS = new Set<string>(['==', '!=', '<', '<=', '>', '>=']);

/** Parses an expression; throws {@link ExpressionSyntaxError} with the column of the first problem. */
export function parseExpression(source: string): Expression {
  const tokens = tokenize(source);
  let position = 0;
  const peek = (): Token => tokens[position]!;
  const next = (): Token => tokens[position++]!;
  const isOp = (value: string): boolean => {
    const token = peek();
    return token.type === 'op' && token.value === value;
  };
  const describe = (token: Token): string =>
    token.type === 'end' ? 'end of expression' : `"${token.type === 'string' ? `'${token.value}'` : token.value}"`;

  function parseOr(): Expression {
    let left = parseAnd();
    while (isOp('||')) {
      next();
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  }

  function parseAnd(): Expression {
    let left = parseUnary();
    while (isOp('&&')) {
      next();
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  }

  function parseUnary(): Expression {
    if (isOp('!')) {
      next();
      return { kind: 'not', operand: parseUnary() };
    }
    const left = parsePrimary();
    const token = peek();
    if (token.type === 'op' && COMPARISONS.has(token.value)) {
      next();
      return { kind: 'compare', operator: token.value as ComparisonOperator, left, right: parsePrimary() };
    }
    return left;
  }

  function parsePrimary(): Expression {
    const token = next();
    switch (token.type) {
      case 'number':
      case 'string':
        return { kind: 'literal', value: token.value };
      case 'ident':
        if (token.value === 'true' || token.value === 'false')
          return { kind: 'literal', value: token.value === 'true' };
        if (token.value === 'null') return { kind: 'literal', value: null };
        return parsePath(token);
      case 'op':
        if (token.value === '(') {
          const inner = parseOr();
          const close = next();
          if (close.type !== 'op' || close.value !== ')') {
            throw new ExpressionSyntaxError(`expected ")" but found ${describe(close)}`, close.column);
          }
          return inner;
        }
        throw new ExpressionSyntaxError(`expected a value but found ${describe(token)}`, token.column);
      case 'end':
        throw new ExpressionSyntaxError('expected a value but the expression ended', token.column);
    }
  }

  function parsePath(first: Extract<Token, { type: 'ident' }>): PathExpression {
    const segments = [first.value];
    while (isOp('.')) {
      next();
      const segment = next();
      // After a dot, digits name an array index (`items.0`) and keywords are ordinary field names.
      if (segment.type === 'ident') segments.push(segment.value);
      else if (segment.type === 'number' && Number.isInteger(segment.value) && segment.value >= 0) {
        segments.push(String(segment.value));
      } else
        throw new ExpressionSyntaxError(
          `expected a field name after "." but found ${describe(segment)}`,
          segment.column,
        );
    }
    return { kind: 'path', segments, column: first.column };
  }

  const expression = parseOr();
  const rest = peek();
  if (rest.type !== 'end') {
    throw new ExpressionSyntaxError(`unexpected ${describe(rest)} after a complete expression`, rest.column);
  }
  return expression;
}

/** Every path an expression reads, for parse-time reference checks. */
export function expressionPaths(expression: Expression): PathExpression[] {
  switch (expression.kind) {
    case 'literal':
      return [];
    case 'path':
      return [expression];
    case 'not':
      return expressionPaths(expression.operand);
    default:
      return [...expressionPaths(expression.left), ...expressionPaths(expression.right)];
  }
}

/** Reads a dotted path out of nested objects and arrays; anything missing is `undefined`. */
export function resolvePath(scope: unknown, segments: readonly string[]): unknown {
  let value = scope;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

export function evaluateExpression(expression: Expression, scope: unknown): unknown {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'path':
      return resolvePath(scope, expression.segments);
    case 'not':
      return !evaluateExpression(expression.operand, scope);
    case 'and':
      return (
        Boolean(evaluateExpression(expression.left, scope)) && Boolean(evaluateExpression(expression.right, scope))
      );
    case 'or':
      return (
        Boolean(evaluateExpression(expression.left, scope)) || Boolean(evaluateExpression(expression.right, scope))
      );
    case 'compare':
      return compare(
        expression.operator,
        evaluateExpression(expression.left, scope),
        evaluateExpression(expression.right, scope),
      );
  }
}

function compare(operator: ComparisonOperator, rawLeft: unknown, rawRight: unknown): boolean {
  // A missing path reads as null, so `steps.x.output.json.field == null` works whether or not the field exists.
  const left = rawLeft === undefined ? null : rawLeft;
  const right = rawRight === undefined ? null : rawRight;
  if (operator === '==') return left === right;
  if (operator === '!=') return left !== right;
  const comparable =
    (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  const [l, r] = [left as number | string, right as number | string];
  switch (operator) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
  }
}
