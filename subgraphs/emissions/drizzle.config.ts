import { defineConfig } from 'drizzle-kit';

// Migrations are generated (`npm run db:generate`) and committed; they serve PostgreSQL and PGlite alike.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
  schemaFilter: ['emissions'],
});
