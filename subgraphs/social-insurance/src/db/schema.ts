import { relations, sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgSchema, primaryKey, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { intakeColumns, intakeTables, memberScopeTable, operatorDistrictTable, tableGroups } from '@xiran/subgraph-kit';

/**
 * Every table of this subgraph lives in its own PostgreSQL schema. The 人社局 shares unit-level
 * (参保单位) facts only: no person, identity number, contribution base or amount is ever stored.
 */
export const socialInsurance = pgSchema('social_insurance');

/** A 费款所属期 (contribution period), written YYYY-MM. */
const PERIOD = '^[0-9]{4}-(0[1-9]|1[0-2])$';

// Tables

/** 险种: 养老 110, 失业 210, 医疗 310, 工伤 410, 生育 510. */
export const insuranceType = socialInsurance.enum('insurance_type', ['PENSION', 'UNEMPLOYMENT', 'MEDICAL', 'WORK_INJURY', 'MATERNITY']);
/** 单位缴费状态: 参保缴费, 暂停缴费, 终止缴费. */
export const paymentStatus = socialInsurance.enum('payment_status', ['PAYING', 'SUSPENDED', 'TERMINATED']);
/** 参保人数 as a band, never a count. */
export const headcountBand = socialInsurance.enum('headcount_band', ['NONE', 'FROM_1_TO_5', 'FROM_6_TO_20', 'FROM_21_TO_50', 'OVER_50']);

/**
 * The unit's payment status for one insurance type: one row per (unit, type), the natural key of
 * the insurance-status dataset (its primary key is the merge's upsert target).
 */
export const unitInsuranceStatus = socialInsurance.table(
  'unit_insurance_status',
  {
    uscc: varchar('uscc', { length: 18 }).notNull(),
    /** The operator's registered district, copied for row-level filtering. */
    district: varchar('district', { length: 8 }).notNull(),
    type: insuranceType('type').notNull(),
    paymentStatus: paymentStatus('payment_status').notNull(),
    inArrears: boolean('in_arrears').notNull().default(false),
    arrearsMonths: integer('arrears_months').notNull().default(0),
    /** Last 费款所属期 paid in full (YYYY-MM); null when the unit never paid this type. */
    lastPaidPeriod: varchar('last_paid_period', { length: 7 }),
    /** The period the status is as of (YYYY-MM). */
    asOfPeriod: varchar('as_of_period', { length: 7 }).notNull(),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  (t) => [
    // The key's leading column indexes uscc for the entity lookups.
    primaryKey({ name: 'unit_insurance_status_pk', columns: [t.uscc, t.type] }),
    index('unit_insurance_status_district_uscc_idx').on(t.district, t.uscc),
    // 相互比对: a district's units in arrears (operatorsInArrears) without reading its paying rows,
    index('unit_insurance_status_district_arrears_idx').on(t.district, t.arrearsMonths),
    // and the units with a present TERMINATED record (insuredUnitKeys), from this small index alone.
    index('unit_insurance_status_terminated_idx').on(t.uscc).where(sql`${t.paymentStatus} = 'TERMINATED' and ${t.present}`),
    check('unit_insurance_status_arrears_check', sql`${t.arrearsMonths} >= 0 and ${t.inArrears} = (${t.arrearsMonths} > 0)`),
    check('unit_insurance_status_last_paid_period_check', sql`${t.lastPaidPeriod} ~ '${sql.raw(PERIOD)}'`),
    check('unit_insurance_status_as_of_period_check', sql`${t.asOfPeriod} ~ '${sql.raw(PERIOD)}'`),
  ],
);

/** The unit's insured headcount as a band: one row per unit (the primary key), granted separately from the status. */
export const unitHeadcount = socialInsurance.table(
  'unit_headcount',
  {
    uscc: varchar('uscc', { length: 18 }).primaryKey(),
    district: varchar('district', { length: 8 }).notNull(),
    band: headcountBand('band').notNull(),
    asOfPeriod: varchar('as_of_period', { length: 7 }).notNull(),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  (t) => [
    index('unit_headcount_district_band_idx').on(t.district, t.band),
    check('unit_headcount_as_of_period_check', sql`${t.asOfPeriod} ~ '${sql.raw(PERIOD)}'`),
  ],
);

/** The association's member list, replicated here for MEMBERS-scoped reads (see the kit). */
export const memberScope = memberScopeTable(socialInsurance);

/** Intake bookkeeping: one row per upload or import, and the change log (see the kit). */
/** Each operator's registered district, replicated from the registry for district uploaders' writes (see the kit). */
export const operatorDistricts = operatorDistrictTable(socialInsurance);

export const { importBatches, changeLog } = intakeTables(socialInsurance);

/**
 * The field group whose data each table holds (see the kit's tableGroups): a resolver may read only
 * the tables of the groups its field owns, summarises or reveals (tests/src/derived-reveals.int.test.ts).
 */
export const TABLE_GROUPS = tableGroups([
  [unitInsuranceStatus, 'socialInsuranceStatus'], [unitHeadcount, 'insuredHeadcount'], [memberScope, null], [importBatches, null], [changeLog, null],
  // The registry's operator→district map, read only to keep a district uploader's writes in its district.
  [operatorDistricts, null],
]);

// Relations

/** Both tables describe the same 参保单位 (by uscc); neither owns the other, so no foreign key. */
export const unitInsuranceStatusRelations = relations(unitInsuranceStatus, ({ one }) => ({
  headcount: one(unitHeadcount, { fields: [unitInsuranceStatus.uscc], references: [unitHeadcount.uscc] }),
}));
export const unitHeadcountRelations = relations(unitHeadcount, ({ many }) => ({ insurances: many(unitInsuranceStatus) }));

// Types

export type UnitInsuranceStatusRow = typeof unitInsuranceStatus.$inferSelect;
export type NewUnitInsuranceStatusRow = typeof unitInsuranceStatus.$inferInsert;
export type UnitHeadcountRow = typeof unitHeadcount.$inferSelect;
export type NewUnitHeadcountRow = typeof unitHeadcount.$inferInsert;
export type InsuranceType = (typeof insuranceType.enumValues)[number];
export type PaymentStatus = (typeof paymentStatus.enumValues)[number];
export type HeadcountBand = (typeof headcountBand.enumValues)[number];
