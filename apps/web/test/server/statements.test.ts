import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/server/db/connection.ts';
import type { AppDatabase } from '../../src/server/db/connection.ts';
import { workflowRuns } from '../../src/server/db/schema.ts';
import { execute, statement, statementsByShape } from '../../src/server/db/statements.ts';
import { DATABASE_KINDS } from './databases.ts';

interface Doubling {
  n: number;
  at: string;
  output: unknown;
  note: string | null;
  flag: boolean;
}

interface Answer {
  doubled: number;
  parity: string;
  at: string;
  output: unknown;
  note: string | null;
  flag: boolean;
}

const DOUBLED = statement<Doubling>(
  (slot) =>
    sql`select ${slot.n}::int * 2 as doubled, case when ${slot.n}::int % 2 = 0 then 'even' else 'odd' end as parity,
          ${slot.at}::timestamptz as at, ${sql.param(slot.output, workflowRuns.output)}::jsonb as output,
          ${slot.note}::text as note, ${slot.flag}::boolean as flag`,
);

describe.each(DATABASE_KINDS)('statements built once on $name', (kind) => {
  it('answer with each call’s own values, encoded by their columns, timestamps as text; PostgreSQL prepares once', async () => {
    const handle = await kind.open();
    try {
      const answers = [];
      // One after another, so that the pool hands out the same connection each time.
      for (let n = 0; n < 12; n++) {
        // Quotes, a backslash and a would-be statement: values, never SQL, whichever way the driver sends them.
        const note = n === 3 ? null : `it's "${n}" \\ '); drop table projects; --`;
        const input = { n, at: '2026-12-02T10:00:00.000Z', output: { n, list: [n], quote: "'" }, note, flag: n > 5 };
        answers.push(...(await execute<Answer, Doubling>(handle.db, DOUBLED, input)));
      }
      expect(answers.map((a) => a.doubled)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
      expect(answers.slice(0, 3).map((a) => a.parity)).toEqual(['even', 'odd', 'even']);
      expect(answers[5]!.output).toEqual({ n: 5, list: [5], quote: "'" });
      expect(answers[2]!.note).toBe(`it's "2" \\ '); drop table projects; --`);
      expect(answers[3]!.note).toBeNull();
      expect(answers.map((a) => a.flag)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => n > 5));
      expect(typeof answers[0]!.at).toBe('string');
      expect(Date.parse(answers[0]!.at)).toBe(Date.parse('2026-12-02T10:00:00.000Z'));
      if (kind.name === 'postgres') {
        const [prepared] = await queryRows<{ n: number }>(
          handle.db,
          sql`select count(*)::int as n from pg_prepared_statements where statement like '%as parity%'`,
        );
        expect(prepared?.n).toBe(1);
      }
    } finally {
      await handle.drop();
    }
  });

  it('refuses a transaction with a message naming the statement', async () => {
    const handle = await kind.open();
    try {
      const refused = handle.db.transaction((tx) =>
        execute(tx as unknown as AppDatabase, DOUBLED, {
          n: 1,
          at: '2026-12-02T10:00:00Z',
          output: null,
          note: null,
          flag: false,
        }),
      );
      await expect(refused).rejects.toThrow(`statement ${DOUBLED.name} needs a database, not a transaction`);
    } finally {
      await handle.drop();
    }
  });
});

describe('statements by shape', () => {
  it('builds one text per shape and reuses it', () => {
    const built: string[] = [];
    const byShape = statementsByShape<{ columns: string[] }, Record<string, unknown>>(
      (shape) => shape.columns.join(','),
      (shape, slot) => {
        built.push(shape.columns.join(','));
        return sql`select ${sql.join(
          shape.columns.map((column) => sql`${slot[column]}::text as ${sql.identifier(column)}`),
          sql`, `,
        )}`;
      },
    );
    const ab = byShape({ columns: ['a', 'b'] });
    expect(byShape({ columns: ['a', 'b'] })).toBe(ab);
    const a = byShape({ columns: ['a'] });
    expect(a.text).toBe('select $1::text as "a"');
    expect(ab.values({ a: 'x', b: 'y' })).toEqual(['x', 'y']);
    expect(built).toEqual(['a,b', 'a']);
    expect(a.name).not.toBe(ab.name);
  });
});
