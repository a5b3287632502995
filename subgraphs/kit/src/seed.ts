import { getTableColumns, getTableName, is, sql } from 'drizzle-orm';
import { PgArray, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { arrayLiteral, sqlType } from './sql-types';
import type { Database } from './database';

/**
 * The operators of the seed world, as the registration seed made them. Every other subgraph
 * derives its own rows from this list, deterministically, so the departments agree on who
 * exists, where, and whether they still trade.
 */
export interface SeedOperator {
  uscc: string;
  name: string;
  district: string;
  status: 'ACTIVE' | 'REVOKED' | 'DEREGISTERED' | 'MOVED_OUT';
  established: string;
  deregistered: string | null;
  /** Rough size: 1 for a one-shop 个体户, up to 5 for a chain with a factory. */
  size: number;
  outlets: SeedOutlet[];
}

export interface SeedOutlet {
  id: string;
  district: string;
  type: 'STORE' | 'COLLECTION_POINT' | 'FACTORY' | 'SELF_SERVICE' | 'SMART_LOCKER';
  status: 'OPEN' | 'CLOSED';
  /** Whether garments are cleaned on site (so machines stand here). */
  cleansOnSite: boolean;
}

export interface SeedOptions {
  /** The day the data is "as of": dates are laid out relative to it. */
  asOf: string;
}

/** A small deterministic PRNG (mulberry32) seeded from a string. */
export function rng(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Picks by weight: `[[value, weight], ...]`. */
export function weighted<T>(random: () => number, choices: ReadonlyArray<readonly [T, number]>): T {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, weight] of choices) {
    r -= weight;
    if (r < 0) return value;
  }
  return choices[choices.length - 1]![0];
}

export function intBetween(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** `YYYY-MM-DD` of `date` plus `days` (negative for earlier). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** `YYYY-MM-01` of the month `months` before the month of `date`. */
export function monthStart(date: string, monthsBack = 0): string {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - monthsBack);
  return d.toISOString().slice(0, 10);
}

/** Rows per statement: each column travels as one array parameter, so this bounds memory only. */
const ROWS_PER_STATEMENT = 50_000;

/**
 * Bulk insert for seeds and imports: `insert ... select from unnest($1::text[], $2::text[], ...)`,
 * one array parameter per column instead of one parameter per value. drizzle's per-value builder
 * costs ~12 µs a value, which made a 50,000-operator seed take minutes; this takes seconds.
 * Every row must have the same keys. Runs in the caller's transaction (pass it as `db`).
 */
export async function insertColumnar<T extends PgTable>(db: Database, table: T, rows: ReadonlyArray<T['$inferInsert']>): Promise<void> {
  if (rows.length === 0) return;
  const columnsByKey = getTableColumns(table) as Record<string, PgColumn>;
  const keys = Object.keys(rows[0]!);
  const columns = keys.map((key) => {
    const column = columnsByKey[key];
    if (!column) throw new Error(`${key} is not a column of ${getTableName(table)}`);
    return column;
  });
  const names = sql.join(columns.map((c) => sql.identifier(c.name)), sql`, `);
  const casts = sql.join(columns.map((c, i) => sql.raw(`u.c${i}::${sqlType(c)}`)), sql`, `);
  const aliases = sql.raw(columns.map((_, i) => `c${i}`).join(', '));
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT) as Record<string, unknown>[];
    const arrays = columns.map((column, i) => {
      const values = chunk.map((row) => {
        const value = row[keys[i]!];
        if (value == null) return null;
        // A list column travels as its array literal, cast back by `::text[]` etc. above.
        return is(column, PgArray) ? arrayLiteral(value as unknown[]) : String(column.mapToDriverValue(value));
      });
      return sql`${sql.param(values)}::text[]`;
    });
    await db.execute(sql`insert into ${table} (${names}) select ${casts} from unnest(${sql.join(arrays, sql`, `)}) as u(${aliases})`);
  }
}
