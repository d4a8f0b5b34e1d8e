/** The single user of a local install: `local`, created the first time something needs a `users` row. */
import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../../../db/connection.ts';
import { users } from '../../../db/schema.ts';

export type User = typeof users.$inferSelect;

export const LOCAL_USERNAME = 'local';

/** Finds or creates the `local` user. Safe to call concurrently. */
export async function ensureLocalUser(deps: { db: AppDatabase }): Promise<User> {
  const [inserted] = await deps.db.insert(users).values({ username: LOCAL_USERNAME }).onConflictDoNothing().returning();
  if (inserted) return inserted;
  const [existing] = await deps.db.select().from(users).where(eq(users.username, LOCAL_USERNAME));
  if (!existing) throw new Error('the local user vanished while it was being created');
  return existing;
}
