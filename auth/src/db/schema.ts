import { index, pgSchema, text, timestamp, varchar } from 'drizzle-orm/pg-core';

/** The gateway's own database: grants now, the audit trail next. */
export const gateway = pgSchema('gateway');

// Tables

export const grants = gateway.table(
  'grants',
  {
    id: varchar('id', { length: 80 }).primaryKey(),
    groupId: varchar('group_id', { length: 40 }).notNull(),
    grantee: varchar('grantee', { length: 20 }).notNull(),
    /** null: both levels. */
    level: varchar('level', { length: 10 }),
    scope: varchar('scope', { length: 10 }).notNull(),
    purpose: text('purpose').notNull(),
    grantedBy: text('granted_by').notNull(),
    grantedAt: timestamp('granted_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'string' }),
    revokedBy: text('revoked_by'),
    revokeReason: text('revoke_reason'),
  },
  (t) => [index('grants_group_idx').on(t.groupId)],
);

/** Every change of a grant: who, when, what, why. Append-only. */
export const grantChanges = gateway.table('grant_changes', {
  id: varchar('id', { length: 40 }).primaryKey(),
  grantId: varchar('grant_id', { length: 80 }).notNull(),
  action: varchar('action', { length: 10 }).notNull(),
  actorSub: text('actor_sub').notNull(),
  actorAgency: varchar('actor_agency', { length: 20 }).notNull(),
  reason: text('reason').notNull(),
  at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

// Types

export type GrantRow = typeof grants.$inferSelect;
export type GrantChangeRow = typeof grantChanges.$inferSelect;
