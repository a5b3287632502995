import type { Logger } from 'drizzle-orm/logger';

/**
 * Counts the SQL statements a service sends, through drizzle's logger hook (every query of the
 * services goes through drizzle). Tests and the benchmark read it to prove batching; while
 * `recording` is a list, the statements' text is kept there too (which tables a resolver reads).
 */
export class StatementCounter implements Logger {
  total = 0;
  recording: string[] | null = null;
  logQuery(query: string): void {
    this.total++;
    this.recording?.push(query);
  }
}
