import { relations, sql } from 'drizzle-orm';
import { bigserial, boolean, date, doublePrecision, index, pgSchema, primaryKey, text, timestamp, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { intakeColumns, intakeTables, operatorDistrictTable, tableGroups } from '@xiran/subgraph-kit';

/** Every table of this subgraph lives in its own PostgreSQL schema. */
export const association = pgSchema('association');

// Tables
//
// Three groups that a later authorization step grants separately: membership + credit grade
// (`memberships`), credit score (`credit_scores` + `credit_score_dimensions`) and violation
// leads (`leads`, with their history in `lead_events`). Every row carries the operator's
// registered district for row filtering; a lead is scoped by the district it is routed to, and a
// lead's events by their lead.

export const membershipStatus = association.enum('membership_status', ['ACTIVE', 'SUSPENDED', 'LAPSED']);
export const creditGrade = association.enum('credit_grade', ['AAA', 'AA', 'A', 'B', 'C']);
export const leadType = association.enum('lead_type', [
  'CONSUMER_RIGHTS',
  'PRICE',
  'PREPAID_CARD',
  'UNLICENSED',
  'VOC',
  'HAZARDOUS_WASTE',
  'SOCIAL_INSURANCE',
  'OTHER',
]);
export const leadStatus = association.enum('lead_status', ['REPORTED', 'ACCEPTED', 'INVESTIGATING', 'CLOSED']);

/** 会员: one row per member operator (current or former), with its current 信用等级 if any. */
export const memberships = association.table(
  'memberships',
  {
    uscc: varchar('uscc', { length: 18 }).primaryKey(),
    district: varchar('district', { length: 8 }).notNull(),
    memberNumber: varchar('member_number', { length: 20 }).notNull(),
    /**
     * 会员名称: the member's name as the association recorded it at admission. The association's
     * own fact, readable whatever the registry says (a former member is outside the caller's
     * registration scope); null for records made before names were kept.
     */
    name: text('name'),
    since: date('since', { mode: 'string' }).notNull(),
    status: membershipStatus('status').notNull(),
    /** Null while the member has not been rated yet. */
    grade: creditGrade('grade'),
    gradeValidFrom: date('grade_valid_from', { mode: 'string' }),
    gradeValidTo: date('grade_valid_to', { mode: 'string' }),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  (t) => [
    uniqueIndex('memberships_member_number_idx').on(t.memberNumber),
    index('memberships_district_uscc_idx').on(t.district, t.uscc),
    index('memberships_grade_uscc_idx').on(t.grade, t.uscc),
    index('memberships_status_uscc_idx').on(t.status, t.uscc),
  ],
);

/** 信用评分: the latest assessment's total (0-100). */
export const creditScores = association.table(
  'credit_scores',
  {
    uscc: varchar('uscc', { length: 18 }).primaryKey(),
    district: varchar('district', { length: 8 }).notNull(),
    total: doublePrecision('total').notNull(),
    assessedOn: date('assessed_on', { mode: 'string' }).notNull(),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [index('credit_scores_district_idx').on(t.district)],
);

/** 评分维度: one row per dimension of an operator's credit score (the primary key indexes uscc). */
export const creditScoreDimensions = association.table(
  'credit_score_dimensions',
  {
    uscc: varchar('uscc', { length: 18 })
      .notNull()
      .references(() => creditScores.uscc, { onDelete: 'cascade' }),
    district: varchar('district', { length: 8 }).notNull(),
    code: varchar('code', { length: 32 }).notNull(),
    name: text('name').notNull(),
    score: doublePrecision('score').notNull(),
    weight: doublePrecision('weight').notNull(),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'credit_score_dimensions_pk', columns: [t.uscc, t.code] }), index('credit_score_dimensions_district_idx').on(t.district)],
);

/** 违规线索: what the association saw and routed to a regulator, with the regulator's feedback. */
export const leads = association.table(
  'leads',
  {
    id: varchar('id', { length: 32 }).primaryKey(),
    uscc: varchar('uscc', { length: 18 }).notNull(),
    district: varchar('district', { length: 8 }).notNull(),
    type: leadType('type').notNull(),
    facts: text('facts').notNull(),
    evidence: text('evidence').notNull(),
    /** Agency code of the receiving regulator: market, environment or hrss. */
    routedAgency: varchar('routed_agency', { length: 32 }).notNull(),
    routedDistrict: varchar('routed_district', { length: 8 }).notNull(),
    copyToCommerce: boolean('copy_to_commerce').notNull().default(true),
    reportedOn: date('reported_on', { mode: 'string' }).notNull(),
    feedbackDue: date('feedback_due', { mode: 'string' }).notNull(),
    status: leadStatus('status').notNull(),
    feedback: text('feedback'),
    feedbackOn: date('feedback_on', { mode: 'string' }),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    /**
     * The agency that reported the lead (联动: any agency may). Not a dataset column: set once by
     * reportLead, never overwritten by an upload or import; a lead from the association's own
     * files (and every lead recorded before this column) is the association's.
     */
    reportedByAgency: varchar('reported_by_agency', { length: 20 }).notNull().default('association'),
    /** The reporting caller (token `sub`); null for leads from files or the seed. */
    reportedBySub: text('reported_by_sub'),
    /**
     * The field groups whose data the lead cites (see lead-groups.ts): a caller reads `facts` and
     * `evidence` only while holding every one of them. Not a dataset column either: set by
     * reportLead, and by an import only ever widened (a file cannot drop a group a finding gave).
     */
    groups: text('groups').array().notNull().default(sql`'{}'::text[]`),
    ...intakeColumns(),
  },
  (t) => [
    index('leads_uscc_idx').on(t.uscc),
    index('leads_district_idx').on(t.district),
    index('leads_routed_idx').on(t.routedAgency, t.routedDistrict, t.status),
    index('leads_reported_by_idx').on(t.reportedByAgency, t.routedDistrict),
    // overdueLeads reads open leads by deadline: the partial index holds only those.
    index('leads_open_due_idx').on(t.feedbackDue, t.id).where(sql`${t.status} <> 'CLOSED'`),
  ],
);

/**
 * 办理记录: one row per step of a lead's life (reported, accepted, investigating, closed), written
 * in the same transaction as the step, with who took it. A lead's last event is its status.
 */
export const leadEvents = association.table(
  'lead_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    leadId: varchar('lead_id', { length: 32 })
      .notNull()
      .references(() => leads.id),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull(),
    /** The status the step moved the lead to. */
    action: leadStatus('action').notNull(),
    /** The status before; null for the report itself. */
    fromStatus: leadStatus('from_status'),
    actorSub: text('actor_sub').notNull(),
    actorAgency: varchar('actor_agency', { length: 20 }).notNull(),
    /** Set when the actor is a district-level caller. */
    actorDistrict: varchar('actor_district', { length: 8 }),
    note: text('note'),
  },
  (t) => [index('lead_events_lead_at_idx').on(t.leadId, t.at)],
);

/** Intake bookkeeping: one row per upload or import, and the change log (see the kit). */
/** Each operator's registered district, replicated from the registry for district uploaders' writes (see the kit). */
export const operatorDistricts = operatorDistrictTable(association);

export const { importBatches, changeLog } = intakeTables(association);

/**
 * Membership as scope: the operators that are members now (ACTIVE, and still in the latest member
 * list: a member left out of a full import is no longer one, though its row is kept). The leads the
 * association sees, and MEMBERS grants on leads, are scoped by it; it is the same list the gateway
 * replicates to the other subgraphs' member_scope tables.
 */
export const activeMembers = association
  .view('active_members', { uscc: varchar('uscc', { length: 18 }).notNull() })
  .as(sql`select ${memberships.uscc} from ${memberships} where ${memberships.status} = 'ACTIVE' and ${memberships.present}`);

/**
 * The field group whose data each table holds (see the kit's tableGroups): a resolver may read only
 * the tables of the groups its field owns, summarises or reveals (tests/src/derived-reveals.int.test.ts).
 */
export const TABLE_GROUPS = tableGroups([
  // Row scope, as the other subgraphs' replicated member_scope: who is a member now, not a grade.
  [activeMembers, null],
  [memberships, 'creditGrade'], [creditScores, 'creditScore'], [creditScoreDimensions, 'creditScore'], [leads, 'leads'], [leadEvents, 'leads'],
  [importBatches, null], [changeLog, null],
  // The registry's operator→district map, read only to keep a district uploader's writes in its district.
  [operatorDistricts, null],
]);

// Relations

export const creditScoresRelations = relations(creditScores, ({ many }) => ({ dimensions: many(creditScoreDimensions) }));
export const creditScoreDimensionsRelations = relations(creditScoreDimensions, ({ one }) => ({
  creditScore: one(creditScores, { fields: [creditScoreDimensions.uscc], references: [creditScores.uscc] }),
}));

// Types

export type MembershipRow = typeof memberships.$inferSelect;
export type NewMembershipRow = typeof memberships.$inferInsert;
export type CreditScoreRow = typeof creditScores.$inferSelect;
export type NewCreditScoreRow = typeof creditScores.$inferInsert;
export type CreditScoreDimensionRow = typeof creditScoreDimensions.$inferSelect;
export type NewCreditScoreDimensionRow = typeof creditScoreDimensions.$inferInsert;
export type LeadRow = typeof leads.$inferSelect;
export type NewLeadRow = typeof leads.$inferInsert;
export type LeadEventRow = typeof leadEvents.$inferSelect;
export type NewLeadEventRow = typeof leadEvents.$inferInsert;
export type LeadStatus = LeadRow['status'];
export type CreditGradeValue = NonNullable<MembershipRow['grade']>;
