import type { Logger } from 'drizzle-orm/logger';

/**
 * Counts the SQL statements a service sends, through drizzle's logger hook (every query of the
 * services goes through drizzle). Tests and the benchmark read it to prove batching.
 */
export class StatementCounter implements Logger {
  total = 0;
  logQuery(): void {
    this.total++;
  }
}
