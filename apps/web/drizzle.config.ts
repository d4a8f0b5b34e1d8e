import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` (from apps/web) writes a migration for schema changes; it needs no database.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/server/db/schema.ts',
  out: './src/server/db/migrations',
});
