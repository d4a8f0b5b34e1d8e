/**
 * The hot path's statements — a step's write, a claim, a run's progress, its creation — each built once: its text
 * is composed with drizzle's `sql` and named placeholders when first needed, and every call after that only fills
 * in the values and hands the text to the driver. Building a statement through drizzle at every call cost about
 * 0.1 ms of JavaScript, and its session as much again, against 0.3–0.4 ms for a whole fsync'd commit on a local
 * PostgreSQL.
 *
 * Each is prepared, so that the database parses and plans it once: planning these statements cost as much as
 * running them. On PostgreSQL a named prepared statement of the protocol, once per connection. PGlite's driver
 * has no named statements, so there it is SQL's own `prepare` once per database and an `execute` with the values
 * written as literals (a step's write: ~1.1 ms planned every time, ~0.5 ms prepared).
 * Results come back as drizzle's raw queries give them (timestamps as PostgreSQL's text), so the row readers in
 * `journalRows.ts` serve both.
 */
import { types as pgliteTypes } from '@electric-sql/pglite';
import type { PGlite } from '@electric-sql/pglite';
import { is, Param, Placeholder, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { AppDatabase } from './connection.ts';

/** One placeholder per input field, to write into the statement's `sql` where the value goes. */
export type Slots<Input> = { readonly [K in keyof Input]-?: Placeholder<K & string> };

export interface Statement<Input> {
  readonly name: string;
  readonly text: string;
  values(input: Input): unknown[];
}

const dialect = new PgDialect();
/** Statement text → its name, the same on every connection of every pool, so each connection prepares it once. */
const names = new Map<string, string>();

/** Builds a statement once; `build` writes `slot.<field>` where a call's value goes. */
export function statement<Input extends object>(build: (slot: Slots<Input>) => SQL): Statement<Input> {
  const slots = new Proxy({} as Slots<Input>, { get: (_, key) => sql.placeholder(String(key)) });
  const built = dialect.sqlToQuery(build(slots));
  // Each parameter becomes a reader of the input, decided here instead of at every call.
  const readers = built.params.map((param): ((input: Record<string, unknown>) => unknown) => {
    if (is(param, Placeholder)) return (input) => input[param.name];
    if (is(param, Param) && is(param.value, Placeholder)) {
      const { name } = param.value as Placeholder;
      const encoder = param.encoder as { mapToDriverValue(value: unknown): unknown } | undefined;
      return encoder ? (input) => encoder.mapToDriverValue(input[name]) : (input) => input[name];
    }
    return () => param;
  });
  let name = names.get(built.sql);
  if (name === undefined) {
    name = `switchyard_${names.size}`;
    names.set(built.sql, name);
  }
  return {
    name,
    text: built.sql,
    values: (input) => readers.map((read) => read(input as Record<string, unknown>)),
  };
}

/**
 * A statement built per shape, for writes whose text depends on which fields a call sets (a run's progress): a
 * bounded number of shapes, each built once.
 */
export function statementsByShape<Shape, Input extends object>(
  key: (shape: Shape) => string,
  build: (shape: Shape, slot: Slots<Input>) => SQL,
): (shape: Shape) => Statement<Input> {
  const built = new Map<string, Statement<Input>>();
  return (shape) => {
    const shapeKey = key(shape);
    let found = built.get(shapeKey);
    if (!found) {
      found = statement<Input>((slot) => build(shape, slot));
      built.set(shapeKey, found);
    }
    return found;
  };
}

const asText = (value: string) => value;
/** drizzle's own choice for raw queries: date and time types stay PostgreSQL's text. */
const PG_TEXT_TYPES = new Set<number>([
  pg.types.builtins.TIMESTAMPTZ,
  pg.types.builtins.TIMESTAMP,
  pg.types.builtins.DATE,
  pg.types.builtins.INTERVAL,
  1115,
  1182,
  1185,
  1187,
  1231,
]);
const pgTypes = {
  getTypeParser: (typeId: number, format?: 'text' | 'binary') =>
    PG_TEXT_TYPES.has(typeId) ? asText : pg.types.getTypeParser(typeId, format as 'text'),
};
const pgliteParsers = {
  [pgliteTypes.TIMESTAMP]: asText,
  [pgliteTypes.TIMESTAMPTZ]: asText,
  [pgliteTypes.INTERVAL]: asText,
  [pgliteTypes.DATE]: asText,
};

/** Runs a built statement with a call's values on `db`'s own driver (a database, not a transaction). */
export async function execute<T, Input extends object>(
  db: AppDatabase,
  statement: Statement<Input>,
  input: Input,
): Promise<T[]> {
  const client = (db as unknown as { $client?: unknown }).$client;
  const values = statement.values(input);
  if (client instanceof pg.Pool) {
    const result = await client.query({ name: statement.name, text: statement.text, values, types: pgTypes } as never);
    return (result as unknown as { rows: T[] }).rows;
  }
  if (!client) throw new Error(`statement ${statement.name} needs a database, not a transaction`);
  const pglite = client as PGlite;
  await preparedOn(pglite, statement);
  const result = await pglite.query<T>(`execute ${statement.name}(${values.map(literal).join(', ')})`, [], {
    parsers: pgliteParsers,
  });
  return result.rows;
}

/** PGlite database → its prepared statements (by name), each prepared once even when first asked for twice at once. */
const preparedByDatabase = new WeakMap<PGlite, Map<string, Promise<unknown>>>();

function preparedOn(pglite: PGlite, statement: Statement<never>): Promise<unknown> {
  let prepared = preparedByDatabase.get(pglite);
  if (!prepared) preparedByDatabase.set(pglite, (prepared = new Map()));
  let done = prepared.get(statement.name);
  if (!done) {
    done = pglite.exec(`prepare ${statement.name} as ${statement.text}`);
    // A failure is not kept: the next call reports it again.
    done.catch(() => prepared.delete(statement.name));
    prepared.set(statement.name, done);
  }
  return done;
}

/**
 * A value as an SQL literal for `execute`, which takes no protocol parameters; the prepared statement's parameter
 * types convert it. Strings are quoted by doubling their quotes: PGlite keeps `standard_conforming_strings` on, so
 * a backslash is an ordinary character.
 */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`a statement's value is not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'bigint') return String(value);
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `'${text.replace(/'/g, "''")}'`;
}
