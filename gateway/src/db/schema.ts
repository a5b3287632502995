import { bigint, index, jsonb, pgSchema, text, timestamp, varchar } from 'drizzle-orm/pg-core';

/** The gateway's own database: grants and the audit trail. */
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

/**
 * 限定知悉范围: the audit trail. Append-only (a trigger refuses UPDATE and DELETE) and hash-chained:
 * each entry holds the hash of the one before, so an edited, deleted or reordered entry breaks the
 * chain; signed checkpoints of the head catch a cut tail. Values are never copied here.
 */
export const auditLog = gateway.table(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull(),
    /** READ, REFUSAL, AUDIT_READ, UNAUTHENTICATED, GRANT_CHANGE, WRITE_INTENT, then WRITE or WRITE_FAILED */
    kind: varchar('kind', { length: 20 }).notNull(),
    requestId: varchar('request_id', { length: 64 }).notNull(),
    sub: text('sub'),
    agency: varchar('agency', { length: 20 }),
    level: varchar('level', { length: 10 }),
    district: varchar('district', { length: 8 }),
    operationName: text('operation_name'),
    /** sha256 of the operation text and its variables. */
    operationHash: varchar('operation_hash', { length: 64 }),
    /** [{ group, grant, operators: [uscc] }] for each group that returned values. */
    disclosed: jsonb('disclosed').notNull(),
    /** [{ coordinate, group, code }] for each refusal. */
    refused: jsonb('refused').notNull(),
    /** Grant changes: what was granted or revoked, and why. */
    detail: jsonb('detail'),
    prevHash: varchar('prev_hash', { length: 64 }).notNull(),
    hash: varchar('hash', { length: 64 }).notNull(),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_agency_idx').on(t.agency, t.at)],
);

/** The chain's head, one row, locked by each writer's batch so that writers append in turn. */
export const auditHead = gateway.table('audit_head', {
  id: varchar('id', { length: 8 }).primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: varchar('hash', { length: 64 }).notNull(),
});

/** The head, signed with the gateway's key from time to time: a cut tail falls short of it. Append-only (a trigger). */
export const auditCheckpoints = gateway.table('audit_checkpoints', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  hash: varchar('hash', { length: 64 }).notNull(),
  at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull(),
  /** Compact JWS (ES256) over { seq, hash, at }. */
  signature: text('signature').notNull(),
});

/**
 * Each operator's registered district, copied from the registry (see useOperatorDistrictSync): the
 * audit log names operators without their district, and a district owner sees its district's only.
 */
export const operatorDistricts = gateway.table(
  'operator_districts',
  {
    uscc: varchar('uscc', { length: 18 }).primaryKey(),
    district: varchar('district', { length: 8 }).notNull(),
  },
  (t) => [index('operator_districts_district_idx').on(t.district)],
);

// Types

export type GrantRow = typeof grants.$inferSelect;
export type GrantChangeRow = typeof grantChanges.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type NewAuditRow = typeof auditLog.$inferInsert;
export type CheckpointRow = typeof auditCheckpoints.$inferSelect;
