import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, varchar } from 'drizzle-orm/pg-core';

/** 相互比对's records, in the gateway's database under their own PostgreSQL schema. */
export const crosscheck = pgSchema('crosscheck');

// Tables

/** Each scheduled (or on-demand) run over every district and rule, with its counts per rule. */
export const runs = crosscheck.table('runs', {
  id: varchar('id', { length: 48 }).primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'string' }).notNull(),
  finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'string' }).notNull(),
  districts: integer('districts').notNull(),
  open: integer('open').notNull(),
  new: integer('new').notNull(),
  resolved: integer('resolved').notNull(),
  /** [{ rule, open, new, resolved }] */
  byRule: jsonb('by_rule').notNull(),
});

/**
 * A finding as the runs saw it: first detected, last seen, resolved (gone from a later run). One
 * open row per rule, district and operator; a finding that comes back after being resolved is a
 * new row, so the history of each spell is kept.
 */
export const findings = crosscheck.table(
  'findings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    findingKey: text('finding_key').notNull(),
    rule: varchar('rule', { length: 40 }).notNull(),
    district: varchar('district', { length: 8 }).notNull(),
    uscc: varchar('uscc', { length: 18 }).notNull(),
    facts: text('facts').notNull(),
    evidence: jsonb('evidence').notNull(),
    firstDetectedAt: timestamp('first_detected_at', { withTimezone: true, mode: 'string' }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'string' }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'string' }),
    firstRun: varchar('first_run', { length: 48 }).notNull(),
    resolvedRun: varchar('resolved_run', { length: 48 }),
  },
  (t) => [
    uniqueIndex('findings_open_key_idx').on(t.findingKey).where(sql`resolved_at is null`),
    index('findings_district_rule_idx').on(t.district, t.rule),
    index('findings_uscc_idx').on(t.uscc),
  ],
);

// Types

export type RunRow = typeof runs.$inferSelect;
export type FindingRow = typeof findings.$inferSelect;
