import { defineConfig } from 'drizzle-kit';

// The gateway's own tables beyond drizzle.gateway.config.ts's (grants, audit): 相互比对's runs and findings.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/crosscheck/db/schema.ts',
  out: './migrations/crosscheck',
  schemaFilter: ['crosscheck'],
});
