import { defineConfig } from 'drizzle-kit';

// The gateway's own tables (grants; the audit trail). Generated and committed, never pushed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations/gateway',
  schemaFilter: ['gateway'],
});
