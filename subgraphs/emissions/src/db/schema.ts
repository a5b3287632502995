import { date, doublePrecision, index, integer, pgSchema, primaryKey, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { intakeColumns, intakeTables, memberScopeTable, operatorDistrictTable, tableGroups } from '@xiran/subgraph-kit';

/** Every table of this subgraph lives in its own PostgreSQL schema. */
export const emissions = pgSchema('emissions');

// Tables
//
// Every row carries the operator's `uscc` and its registered `district` (copied from registration,
// so that an authorization step can filter rows by district in SQL), where it came from (`source`),
// when it last changed (`updated_at`), and the intake bookkeeping (`present`, `absent_since`,
// `batch_id`; see the kit). Each table is one dataset; its natural key is its primary key.

export const solvent = emissions.enum('solvent', ['PCE', 'HYDROCARBON', 'D5', 'GLYCOL_ETHER', 'CO2', 'WET_CLEANING']);
export const machineEnclosure = emissions.enum('machine_enclosure', ['FULLY_ENCLOSED', 'OPEN', 'OPEN_RETROFITTED']);
export const machineStatus = emissions.enum('machine_status', ['IN_USE', 'RETIRED']);
export const permitKind = emissions.enum('permit_kind', ['EIA_APPROVAL', 'EIA_REGISTRATION_FORM', 'DISCHARGE_REGISTRATION']);
export const inspectionKind = emissions.enum('inspection_kind', ['ROUTINE', 'COMPLAINT', 'SPECIAL_CAMPAIGN', 'FOLLOW_UP']);
export const inspectionResult = emissions.enum('inspection_result', ['PASS', 'RECTIFY', 'VIOLATION']);

/** 干洗机 (and wet-cleaning machines) registered with the department, per outlet. */
export const machines = emissions.table(
  'machines',
  {
    id: varchar('id', { length: 40 }).primaryKey(),
    uscc: varchar('uscc', { length: 18 }).notNull(),
    district: varchar('district', { length: 8 }).notNull(),
    /** The registration subgraph's outlet id (`<uscc>-01`). */
    outletId: varchar('outlet_id', { length: 32 }).notNull(),
    solvent: solvent('solvent').notNull(),
    enclosure: machineEnclosure('enclosure').notNull(),
    capacityKg: doublePrecision('capacity_kg').notNull(),
    installed: date('installed', { mode: 'string' }).notNull(),
    status: machineStatus('status').notNull(),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  (t) => [index('machines_uscc_idx').on(t.uscc), index('machines_outlet_id_idx').on(t.outletId), index('machines_district_idx').on(t.district)],
);

/** 环评批复 / 环评登记表 / 排污登记 documents. */
export const permits = emissions.table(
  'permits',
  {
    id: varchar('id', { length: 40 }).primaryKey(),
    uscc: varchar('uscc', { length: 18 }).notNull(),
    district: varchar('district', { length: 8 }).notNull(),
    kind: permitKind('kind').notNull(),
    documentNumber: text('document_number').notNull(),
    issued: date('issued', { mode: 'string' }).notNull(),
    /** Null when the document does not expire (环评批复, 环评登记表). */
    validUntil: date('valid_until', { mode: 'string' }),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  (t) => [index('permits_uscc_idx').on(t.uscc), index('permits_district_idx').on(t.district)],
);

/** 现场检查: on-site inspections by the department's enforcement team. */
export const inspections = emissions.table(
  'inspections',
  {
    id: varchar('id', { length: 40 }).primaryKey(),
    uscc: varchar('uscc', { length: 18 }).notNull(),
    district: varchar('district', { length: 8 }).notNull(),
    date: date('inspected_on', { mode: 'string' }).notNull(),
    kind: inspectionKind('kind').notNull(),
    result: inspectionResult('result').notNull(),
    /** 发现问题, null when none were found. */
    issues: text('issues'),
    /** 整改期限, when rectification was ordered. */
    rectificationDue: date('rectification_due', { mode: 'string' }),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  (t) => [index('inspections_uscc_date_idx').on(t.uscc, t.date), index('inspections_district_idx').on(t.district)],
);

/** 溶剂使用台账: one row per operator, month and solvent. */
export const solventLedger = emissions.table(
  'solvent_ledger',
  {
    uscc: varchar('uscc', { length: 18 }).notNull(),
    district: varchar('district', { length: 8 }).notNull(),
    /** The first day of the month. */
    month: date('month', { mode: 'string' }).notNull(),
    solvent: solvent('solvent').notNull(),
    purchasedKg: doublePrecision('purchased_kg').notNull(),
    consumedKg: doublePrecision('consumed_kg').notNull(),
    garmentsKg: doublePrecision('garments_kg').notNull(),
    residueKg: doublePrecision('residue_kg').notNull(),
    /** 危险废物转移联单号 of the month's residue hand-over, if any. */
    manifestNumber: text('manifest_number'),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  // The key's leading column indexes the rows by uscc.
  (t) => [primaryKey({ name: 'solvent_ledger_pk', columns: [t.uscc, t.month, t.solvent] }), // By district and month: 相互比对 reads a district's last months (solventUse), not its whole history.
    index('solvent_ledger_district_month_idx').on(t.district, t.month)],
);

/** 行政处罚决定 and its 公示 (publicity) period. */
export const penalties = emissions.table(
  'penalties',
  {
    id: varchar('id', { length: 40 }).primaryKey(),
    uscc: varchar('uscc', { length: 18 }).notNull(),
    district: varchar('district', { length: 8 }).notNull(),
    decisionNumber: text('decision_number').notNull(),
    decided: date('decided', { mode: 'string' }).notNull(),
    violation: text('violation').notNull(),
    fineYuan: integer('fine_yuan').notNull(),
    publicityFrom: date('publicity_from', { mode: 'string' }).notNull(),
    publicityUntil: date('publicity_until', { mode: 'string' }).notNull(),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  (t) => [index('penalties_uscc_idx').on(t.uscc), index('penalties_district_idx').on(t.district)],
);

/** The association's member list, replicated here for MEMBERS-scoped reads (see the kit). */
export const memberScope = memberScopeTable(emissions);

/** Intake bookkeeping: one row per upload or import, and the change log (see the kit). */
/** Each operator's registered district, replicated from the registry for district uploaders' writes (see the kit). */
export const operatorDistricts = operatorDistrictTable(emissions);

export const { importBatches, changeLog } = intakeTables(emissions);

/**
 * The field group whose data each table holds (see the kit's tableGroups): a resolver may read only
 * the tables of the groups its field owns, summarises or reveals (tests/src/derived-reveals.int.test.ts).
 */
export const TABLE_GROUPS = tableGroups([
  [machines, 'machinesAndPermits'], [permits, 'machinesAndPermits'], [inspections, 'inspections'], [solventLedger, 'inspections'], [penalties, 'penalties'],
  [memberScope, null], [importBatches, null], [changeLog, null],
  // The registry's operator→district map, read only to keep a district uploader's writes in its district.
  [operatorDistricts, null],
]);

// Relations
//
// None between these tables: every row hangs off the operator (uscc) or outlet (outlet_id) that the
// registration subgraph owns, in another database, so there is nothing to declare here.

// Types

export type MachineRow = typeof machines.$inferSelect;
export type NewMachineRow = typeof machines.$inferInsert;
export type PermitRow = typeof permits.$inferSelect;
export type NewPermitRow = typeof permits.$inferInsert;
export type InspectionRow = typeof inspections.$inferSelect;
export type NewInspectionRow = typeof inspections.$inferInsert;
export type SolventLedgerRow = typeof solventLedger.$inferSelect;
export type NewSolventLedgerRow = typeof solventLedger.$inferInsert;
export type PenaltyRow = typeof penalties.$inferSelect;
export type NewPenaltyRow = typeof penalties.$inferInsert;
export type Solvent = (typeof solvent.enumValues)[number];
