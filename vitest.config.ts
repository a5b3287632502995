import { defineConfig } from 'vitest/config';

// Test kind by file suffix: *.test.ts (no I/O), *.int.test.ts (a real database: PostgreSQL with
// DATABASE_URL, else embedded PGlite), *.e2e.test.ts (the whole stack over HTTP).
const exclude = ['**/node_modules/**', '**/.data/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['**/src/**/*.test.ts'], exclude: [...exclude, '**/*.int.test.ts', '**/*.e2e.test.ts'] },
      },
      {
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
