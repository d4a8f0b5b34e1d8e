import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryPrepared, queryRows } from '../../src/server/db/connection.ts';
import { DATABASE_KINDS } from './databases.ts';

describe.each(DATABASE_KINDS)('prepared statements on $name', (kind) => {
  it('answer with each call’s own values, and PostgreSQL parses each statement once per connection', async () => {
    const handle = await kind.open();
    try {
      const doubled = (n: number) =>
        sql`select ${n}::int * 2 as doubled, ${n % 2 === 0 ? 'even' : 'odd'}::text as parity`;
      const answers = [];
      // One after another, so that the pool hands out the same connection each time.
      for (let n = 0; n < 12; n++)
        answers.push(...(await queryPrepared<{ doubled: number; parity: string }>(handle.db, doubled(n))));
      expect(answers.map((a) => a.doubled)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
      expect(answers.slice(0, 3).map((a) => a.parity)).toEqual(['even', 'odd', 'even']);
      if (kind.name === 'postgres') {
        const [prepared] = await queryRows<{ n: number }>(
          handle.db,
          sql`select count(*)::int as n from pg_prepared_statements where statement like '%as doubled%'`,
        );
        expect(prepared?.n).toBe(1);
      }
    } finally {
      await handle.drop();
    }
  });
});
