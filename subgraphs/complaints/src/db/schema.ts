import { relations } from 'drizzle-orm';
import { date, index, pgSchema, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { intakeColumns, intakeTables, memberScopeTable, operatorDistrictTable, tableGroups } from '@xiran/subgraph-kit';

/** Every table of this subgraph lives in its own PostgreSQL schema. */
export const complaints = pgSchema('complaints');

// Tables

export const complaintChannel = complaints.enum('complaint_channel', ['HOTLINE_12345', 'HOTLINE_12315', 'PETITION', 'ONLINE']);
export const complaintCategory = complaints.enum('complaint_category', [
  'GARMENT_DAMAGE',
  'LOST_OR_SWAPPED',
  'PRICE',
  'PREPAID_CARD',
  'FAKE_DRY_CLEANING',
  'POLLUTION_NUISANCE',
  'UNLICENSED',
  'OTHER',
]);
/** In workflow order: 受理 → 转办 → 办理中 → 答复 → 办结, then 不予受理. */
export const complaintStatus = complaints.enum('complaint_status', ['RECEIVED', 'TRANSFERRED', 'IN_PROGRESS', 'REPLIED', 'CLOSED', 'REJECTED']);
export const complaintSatisfaction = complaints.enum('complaint_satisfaction', ['SATISFIED', 'BASICALLY_SATISFIED', 'DISSATISFIED']);
/** The platform's agency codes (the same codes name each subgraph's owner). */
export const agency = complaints.enum('agency', ['market', 'environment', 'hrss', 'commerce', 'petition']);

/** 工单: one complaint ticket. The text is redacted; the complainant's identity is in `complainants`. */
export const tickets = complaints.table(
  'tickets',
  {
    /** Channel-year-serial, e.g. 12345-2026-0001234. */
    id: varchar('id', { length: 24 }).primaryKey(),
    channel: complaintChannel('channel').notNull(),
    receivedOn: date('received_on', { mode: 'string' }).notNull(),
    category: complaintCategory('category').notNull(),
    status: complaintStatus('status').notNull(),
    handlingAgency: agency('handling_agency').notNull(),
    handlingDistrict: varchar('handling_district', { length: 8 }).notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    closedOn: date('closed_on', { mode: 'string' }),
    satisfaction: complaintSatisfaction('satisfaction'),
    /** The business as the complainant named it; may match no registration. */
    respondentName: text('respondent_name').notNull(),
    /** Null when the complaint names no registered operator. */
    uscc: varchar('uscc', { length: 18 }),
    /** The operator's registered district, or where the complaint arose when unregistered. */
    district: varchar('district', { length: 8 }).notNull(),
    text: text('text').notNull(),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    ...intakeColumns(),
  },
  (t) => [
    index('tickets_uscc_received_idx').on(t.uscc, t.receivedOn),
    index('tickets_district_received_idx').on(t.district, t.receivedOn),
    index('tickets_received_id_idx').on(t.receivedOn, t.id),
  ],
);

/** 投诉人: the complainant's identity, kept apart from the ticket so it can be granted separately. */
export const complainants = complaints.table(
  'complainants',
  {
    ticketId: varchar('ticket_id', { length: 24 })
      .primaryKey()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    /** Copied from the ticket, so that row filters apply without a join. */
    uscc: varchar('uscc', { length: 18 }),
    district: varchar('district', { length: 8 }).notNull(),
    name: text('name').notNull(),
    phone: varchar('phone', { length: 20 }).notNull(),
    address: text('address'),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [index('complainants_uscc_idx').on(t.uscc), index('complainants_district_idx').on(t.district)],
);

/** The association's member list, replicated here for MEMBERS-scoped reads (see the kit). */
export const memberScope = memberScopeTable(complaints);

/** Intake bookkeeping: one row per upload or import, and the change log (see the kit). */
/** Each operator's registered district, replicated from the registry for district uploaders' writes (see the kit). */
export const operatorDistricts = operatorDistrictTable(complaints);

export const { importBatches, changeLog } = intakeTables(complaints);

/**
 * The field group whose data each table holds (see the kit's tableGroups): a resolver may read only
 * the tables of the groups its field owns, summarises or reveals (tests/src/derived-reveals.int.test.ts).
 */
export const TABLE_GROUPS = tableGroups([
  [tickets, 'complaintTickets'], [complainants, 'complainantIdentity'], [memberScope, null], [importBatches, null], [changeLog, null],
  // The registry's operator→district map, read only to keep a district uploader's writes in its district.
  [operatorDistricts, null],
]);

// Relations

export const ticketsRelations = relations(tickets, ({ one }) => ({ complainant: one(complainants) }));
export const complainantsRelations = relations(complainants, ({ one }) => ({
  ticket: one(tickets, { fields: [complainants.ticketId], references: [tickets.id] }),
}));

// Types

export type TicketRow = typeof tickets.$inferSelect;
export type NewTicketRow = typeof tickets.$inferInsert;
export type ComplainantRow = typeof complainants.$inferSelect;
export type NewComplainantRow = typeof complainants.$inferInsert;
