import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// graphql ships CJS (main) and ESM (module). Node and the CJS Apollo packages load the CJS copy;
// Vite would pick the ESM one for our own imports, and two copies of graphql refuse each other's
// types ("from another module or realm"). Point ours at the copy Node uses.
const graphqlCjs = createRequire(import.meta.url).resolve('graphql');

// Test kind by file suffix: *.test.ts (no I/O), *.int.test.ts (a real database: PostgreSQL with
// DATABASE_URL, else embedded PGlite), *.e2e.test.ts (the whole stack over HTTP).
const exclude = ['**/node_modules/**', '**/.data/**'];

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlCjs }] },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['**/src/**/*.test.ts'], exclude: [...exclude, '**/*.int.test.ts', '**/*.e2e.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['**/src/**/*.int.test.ts'],
          exclude,
          // Each file opens its own databases (a PGlite costs ~0.5 GB): one file at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['**/src/**/*.e2e.test.ts'],
          exclude,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
