import { relations } from 'drizzle-orm';
import { boolean, date, doublePrecision, index, pgSchema, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { intakeColumns, intakeTables, memberScopeTable, tableGroups } from '@xiran/subgraph-kit';

/** Every table of this subgraph lives in its own PostgreSQL schema. */
export const registration = pgSchema('registration');

// Tables

export const entityKind = registration.enum('entity_kind', ['ENTERPRISE', 'INDIVIDUAL_BUSINESS', 'COOPERATIVE']);
export const operatorStatus = registration.enum('operator_status', ['ACTIVE', 'REVOKED', 'DEREGISTERED', 'MOVED_OUT']);
export const outletType = registration.enum('outlet_type', ['STORE', 'COLLECTION_POINT', 'FACTORY', 'SELF_SERVICE', 'SMART_LOCKER']);
export const outletStatus = registration.enum('outlet_status', ['OPEN', 'CLOSED']);

export const operators = registration.table(
  'operators',
  {
    uscc: varchar('uscc', { length: 18 }).primaryKey(),
    usccCheckDigitValid: boolean('uscc_check_digit_valid').notNull(),
    name: text('name').notNull(),
    entityKind: entityKind('entity_kind').notNull(),
    status: operatorStatus('status').notNull(),
    district: varchar('district', { length: 8 }).notNull(),
    address: text('address').notNull(),
    legalRepresentative: text('legal_representative').notNull(),
    established: date('established', { mode: 'string' }).notNull(),
    deregistered: date('deregistered', { mode: 'string' }),
    businessScope: text('business_scope').notNull(),
    industryCode: varchar('industry_code', { length: 4 }).notNull().default('8030'),
    abnormalList: boolean('abnormal_list').notNull().default(false),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  (t) => [index('operators_district_uscc_idx').on(t.district, t.uscc), index('operators_status_uscc_idx').on(t.status, t.uscc)],
);

export const outlets = registration.table(
  'outlets',
  {
    id: varchar('id', { length: 32 }).primaryKey(),
    uscc: varchar('uscc', { length: 18 })
      .notNull()
      .references(() => operators.uscc, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: outletType('type').notNull(),
    address: text('address').notNull(),
    district: varchar('district', { length: 8 }).notNull(),
    lng: doublePrecision('lng').notNull(),
    lat: doublePrecision('lat').notNull(),
    services: text('services').array().notNull(),
    opened: date('opened', { mode: 'string' }).notNull(),
    status: outletStatus('status').notNull(),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  // (uscc, status): an operator's outlets, and whether it has an OPEN one (hasOpenOutlets) from the index alone.
  (t) => [index('outlets_uscc_status_idx').on(t.uscc, t.status), index('outlets_district_idx').on(t.district)],
);

/** The association's member list, replicated here for MEMBERS-scoped reads (see the kit). */
export const memberScope = memberScopeTable(registration);

/** Intake bookkeeping: one row per upload or import, and the change log (see the kit). */
export const { importBatches, changeLog } = intakeTables(registration);

/**
 * The field group whose data each table holds (see the kit's tableGroups): a resolver may read only
 * the tables of the groups its field owns, summarises or reveals (tests/src/derived-reveals.int.test.ts).
 */
export const TABLE_GROUPS = tableGroups([
  [operators, 'registration'], [outlets, 'outlets'], [memberScope, null], [importBatches, null], [changeLog, null],
]);

// Relations

export const operatorsRelations = relations(operators, ({ many }) => ({ outlets: many(outlets) }));
export const outletsRelations = relations(outlets, ({ one }) => ({ operator: one(operators, { fields: [outlets.uscc], references: [operators.uscc] }) }));

// Types

export type OperatorRow = typeof operators.$inferSelect;
export type NewOperatorRow = typeof operators.$inferInsert;
export type OutletRow = typeof outlets.$inferSelect;
export type NewOutletRow = typeof outlets.$inferInsert;
