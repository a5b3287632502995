import { and, asc, eq, gt, isNotNull, sql, type Column, type SQL } from 'drizzle-orm';
import { alias, unionAll, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { anyOf, jsonRows, keysRelation, scopeCondition, suppressComplements, suppressSmall, type Database, type RowScope } from '@xiran/subgraph-kit';
import {
  creditScoreDimensions,
  creditScores,
  leads,
  memberships,
  type CreditGradeValue,
  type CreditScoreDimensionRow,
  type LeadRow,
  type MembershipRow,
} from './schema';
import { leadCondition, type LeadScope } from './lead-scope';

export type AssociationDb = Database;

/** Row scopes of this subgraph's three groups for one request. */
export interface AssociationScopes {
  creditGrade: RowScope;
  creditScore: RowScope;
  leads: LeadScope;
}

// The association owns this data: no MEMBERS grant exists on its groups, so no membership filter.
const membershipScope = (table: { district: PgColumn; uscc: PgColumn }, scope: RowScope) => scopeCondition({ district: table.district, uscc: table.uscc }, scope);
const creditScoreScope = (scope: RowScope) => scopeCondition({ district: creditScores.district, uscc: creditScores.uscc }, scope);
const dimensionScope = (scope: RowScope) => scopeCondition({ district: creditScoreDimensions.district, uscc: creditScoreDimensions.uscc }, scope);

/** Intake columns that `Lead` does not expose (leads are never marked absent: INCREMENTAL). */
const INTAKE_BOOKKEEPING = ['present', 'absentSince', 'batchId'];

/** The `Operator` parts this subgraph adds; each one is a column of the batched select when requested. */
export const OPERATOR_PARTS = ['membership', 'creditGrade', 'creditScore', 'leads'] as const;
export type OperatorPart = (typeof OPERATOR_PARTS)[number];

export type MembershipPart = Pick<MembershipRow, 'memberNumber' | 'name' | 'since' | 'status' | 'source' | 'updatedAt' | 'present'>;
export interface CreditGradePart {
  grade: CreditGradeValue;
  validFrom: string;
  validTo: string;
  source: string;
  updatedAt: string;
}
export type CreditScoreDimensionPart = Omit<CreditScoreDimensionRow, 'uscc' | 'district'>;
export interface CreditScorePart {
  total: number;
  assessedOn: string;
  dimensions: CreditScoreDimensionPart[];
  source: string;
  updatedAt: string;
}

/**
 * An operator as this subgraph knows it: the key plus the parts a request asked for. A part that
 * is `undefined` was not loaded; `null` (or an empty list) means the association has no such data.
 */
export interface OperatorRecord {
  uscc: string;
  membership?: MembershipPart | null;
  creditGrade?: CreditGradePart | null;
  creditScore?: CreditScorePart | null;
  leads?: LeadRow[];
}

export interface MemberFilter {
  grade?: CreditGradeValue | null;
  district?: string | null;
  status?: MembershipRow['status'] | null;
  /** Whether the latest member list holds the member (MEMBERS scope: ACTIVE and present). */
  present?: boolean | null;
}

/** `json_build_object('key', expr, ...)` over our own keys (never input), hence `sql.raw`. */
function jsonFields(fields: Record<string, Column | SQL>): SQL {
  return sql`json_build_object(${sql.join(
    Object.entries(fields).map(([key, value]) => sql`${sql.raw(`'${key}'`)}, ${value}`),
    sql`, `,
  )})`;
}

/** A correlated scalar subquery: the one row of `from` matching `where` as JSON, or null. */
function jsonRow<T>(from: PgTable, fields: Record<string, Column | SQL>, where: SQL): SQL<T | null> {
  return sql<T | null>`(select ${jsonFields(fields)} from ${from} where ${where})`;
}

/**
 * One column per requested part, each correlated with `uscc` (the outer query's operator key).
 * Parts that were not requested are left out of the statement entirely.
 */
function partColumns(parts: ReadonlySet<string>, uscc: SQL | Column, scopes: AssociationScopes) {
  return {
    ...(parts.has('membership')
      ? {
          membership: jsonRow<MembershipPart>(
            memberships,
            {
              memberNumber: memberships.memberNumber,
              name: memberships.name,
              since: memberships.since,
              status: memberships.status,
              source: memberships.source,
              updatedAt: memberships.updatedAt,
              present: memberships.present,
            },
            sql`${memberships.uscc} = ${uscc} and ${membershipScope(memberships, scopes.creditGrade)}`,
          ),
        }
      : {}),
    ...(parts.has('creditGrade')
      ? {
          creditGrade: jsonRow<CreditGradePart>(
            memberships,
            {
              grade: memberships.grade,
              validFrom: memberships.gradeValidFrom,
              validTo: memberships.gradeValidTo,
              source: memberships.source,
              updatedAt: memberships.updatedAt,
            },
            sql`${memberships.uscc} = ${uscc} and ${isNotNull(memberships.grade)} and ${membershipScope(memberships, scopes.creditGrade)}`,
          ),
        }
      : {}),
    ...(parts.has('creditScore')
      ? {
          creditScore: jsonRow<CreditScorePart>(
            creditScores,
            {
              total: creditScores.total,
              assessedOn: creditScores.assessedOn,
              dimensions: jsonRows(
                creditScoreDimensions,
                and(eq(creditScoreDimensions.uscc, creditScores.uscc), dimensionScope(scopes.creditScore))!,
                sql`${creditScoreDimensions.weight} desc, ${creditScoreDimensions.code}`,
                { omit: ['uscc', 'district'] },
              ),
              source: creditScores.source,
              updatedAt: creditScores.updatedAt,
            },
            sql`${creditScores.uscc} = ${uscc} and ${creditScoreScope(scopes.creditScore)}`,
          ),
        }
      : {}),
    ...(parts.has('leads')
      ? {
          leads: jsonRows(leads, sql`${leads.uscc} = ${uscc} and ${leadCondition(scopes.leads)}`, sql`${leads.reportedOn} desc, ${leads.id} desc`, {
            omit: INTAKE_BOOKKEEPING,
          }) as SQL<LeadRow[]>,
        }
      : {}),
  };
}

/**
 * The requested parts of every key, in ONE statement over `unnest(keys)`: a record comes back for
 * each key, with null / empty parts where the association has nothing on the operator, or nothing
 * the caller may see (each part filtered with its own group's scope).
 */
export async function operatorsByUscc(
  db: AssociationDb,
  keys: readonly string[],
  parts: ReadonlySet<string>,
  scopes: AssociationScopes,
): Promise<Map<string, OperatorRecord>> {
  const rows = await db
    .select({ uscc: sql<string>`k.key`, ...partColumns(parts, sql`k.key`, scopes) })
    .from(keysRelation(keys))
    .orderBy(sql`k.ord`);
  return new Map(rows.map((row) => [row.uscc, row as OperatorRecord]));
}

/** Leads by id, only those the caller may see (the others are absent: null). */
export async function leadsById(db: AssociationDb, keys: readonly string[], scope: LeadScope): Promise<Map<string, LeadRow>> {
  const rows = await db.select().from(leads).where(and(anyOf(leads.id, keys), leadCondition(scope)));
  return new Map(rows.map((row) => [row.id, row]));
}

function filterCondition(table: { uscc: PgColumn; grade: PgColumn; district: PgColumn; status: PgColumn; present: PgColumn }, filter: MemberFilter, scope: RowScope): SQL | undefined {
  return and(
    membershipScope(table, scope),
    filter.grade ? eq(table.grade, filter.grade) : undefined,
    filter.district ? eq(table.district, filter.district) : undefined,
    filter.status ? eq(table.status, filter.status) : undefined,
    filter.present == null ? undefined : eq(table.present, filter.present),
  );
}

/**
 * One keyset page of members (limit + 1 rows after `afterKey`, by uscc), each with the requested
 * Operator parts, and, when asked, the filter's total as a scalar subquery: one statement.
 */
export async function memberPage(
  db: AssociationDb,
  options: { filter: MemberFilter; limit: number; afterKey: string | null; parts: ReadonlySet<string>; withTotal: boolean; scopes: AssociationScopes },
): Promise<{ rows: OperatorRecord[]; totalCount: number }> {
  // The page's table is aliased so that the parts' subqueries over `memberships` correlate with it.
  const page = alias(memberships, 'page');
  const total = options.withTotal
    ? sql<number>`(select count(*)::int from ${memberships} where ${filterCondition(memberships, options.filter, options.scopes.creditGrade) ?? sql`true`})`
    : sql<number>`0`;
  const rows = await db
    .select({ uscc: page.uscc, ...partColumns(options.parts, page.uscc, options.scopes), totalCount: total })
    .from(page)
    .where(and(filterCondition(page, options.filter, options.scopes.creditGrade), options.afterKey ? gt(page.uscc, options.afterKey) : undefined))
    .orderBy(asc(page.uscc))
    .limit(options.limit + 1);
  const records = rows.map(({ totalCount: _total, ...record }) => record as OperatorRecord);
  return {
    rows: records,
    totalCount: rows[0]?.totalCount ?? (options.withTotal ? await countMembers(db, options.filter, options.scopes.creditGrade) : 0),
  };
}

async function countMembers(db: AssociationDb, filter: MemberFilter, scope: RowScope): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(memberships).where(filterCondition(memberships, filter, scope));
  return row?.n ?? 0;
}

export const CREDIT_GRADES = ['AAA', 'AA', 'A', 'B', 'C'] as const satisfies readonly CreditGradeValue[];

/** Counts of one district; a cell is null when suppressed for an AGGREGATE caller (fewer than 3 operators behind it). */
export interface AssociationStatisticsRow {
  district: string;
  members: number | null;
  activeMembers: number | null;
  byGrade: { grade: CreditGradeValue; members: number | null }[];
  leads: number | null;
  openLeads: number | null;
}

const gradeCount = (grade: CreditGradeValue) => sql<number>`(count(*) filter (where ${memberships.grade} = ${grade}))::int`;

/**
 * Per district: members by status and grade (over the members the caller may see under its
 * creditGrade scope), and leads (under its leads scope), in one statement (members and leads are
 * grouped separately, then summed over a union). With `district`, that district's row, zeros when
 * nothing in it is visible. Member cells count operators (one membership per operator), so each is
 * suppressed on its own value; lead cells on the number of distinct operators behind them.
 */
export async function associationStatistics(
  db: AssociationDb,
  district: string | null,
  scopes: Pick<AssociationScopes, 'creditGrade' | 'leads'>,
  options: { leads: boolean } = { leads: true },
): Promise<AssociationStatisticsRow[]> {
  const members = db
    .select({
      district: memberships.district,
      members: sql<number>`count(*)::int`.as('members'),
      activeMembers: sql<number>`(count(*) filter (where ${memberships.status} = 'ACTIVE'))::int`.as('active_members'),
      aaa: gradeCount('AAA').as('aaa'),
      aa: gradeCount('AA').as('aa'),
      a: gradeCount('A').as('a'),
      b: gradeCount('B').as('b'),
      c: gradeCount('C').as('c'),
      leads: sql<number>`0`.as('leads'),
      openLeads: sql<number>`0`.as('open_leads'),
      leadOperators: sql<number>`0`.as('lead_operators'),
      openLeadOperators: sql<number>`0`.as('open_lead_operators'),
    })
    .from(memberships)
    .where(and(district ? eq(memberships.district, district) : undefined, membershipScope(memberships, scopes.creditGrade)))
    .groupBy(memberships.district);
  const leadCounts = db
    .select({
      district: leads.district,
      members: sql<number>`0`.as('members'),
      activeMembers: sql<number>`0`.as('active_members'),
      aaa: sql<number>`0`.as('aaa'),
      aa: sql<number>`0`.as('aa'),
      a: sql<number>`0`.as('a'),
      b: sql<number>`0`.as('b'),
      c: sql<number>`0`.as('c'),
      leads: sql<number>`count(*)::int`.as('leads'),
      openLeads: sql<number>`(count(*) filter (where ${leads.status} <> 'CLOSED'))::int`.as('open_leads'),
      leadOperators: sql<number>`count(distinct ${leads.uscc})::int`.as('lead_operators'),
      openLeadOperators: sql<number>`(count(distinct ${leads.uscc}) filter (where ${leads.status} <> 'CLOSED'))::int`.as('open_lead_operators'),
    })
    .from(leads)
    .where(and(district ? eq(leads.district, district) : undefined, leadCondition(scopes.leads)))
    .groupBy(leads.district);
  // Leads are read only for a caller who asked for their cells and may read them: otherwise a
  // district with leads and no member would still show up as a row, telling that it has leads.
  const u = (options.leads ? unionAll(members, leadCounts) : members).as('u');
  const sum = (column: SQL.Aliased<number>) => sql<number>`sum(${column})::int`;
  const rows = await db
    .select({
      district: u.district,
      members: sum(u.members),
      activeMembers: sum(u.activeMembers),
      aaa: sum(u.aaa),
      aa: sum(u.aa),
      a: sum(u.a),
      b: sum(u.b),
      c: sum(u.c),
      leads: sum(u.leads),
      openLeads: sum(u.openLeads),
      leadOperators: sum(u.leadOperators),
      openLeadOperators: sum(u.openLeadOperators),
    })
    .from(u)
    .groupBy(u.district)
    .orderBy(asc(u.district));
  // A district with neither members nor leads (visible to the caller) still answers with its zero row.
  if (district && rows.length === 0) {
    rows.push({ district, members: 0, activeMembers: 0, aaa: 0, aa: 0, a: 0, b: 0, c: 0, leads: 0, openLeads: 0, leadOperators: 0, openLeadOperators: 0 });
  }
  const member = (n: number) => suppressSmall(n, n, scopes.creditGrade);
  return rows.map((row) => ({
    district: row.district,
    members: member(row.members),
    // Complementary suppression: the active members and the others partition the members.
    activeMembers: suppressComplements(member(row.members), [member(row.activeMembers), member(row.members - row.activeMembers)], scopes.creditGrade)[0] ?? null,
    byGrade: [
      { grade: 'AAA', members: member(row.aaa) },
      { grade: 'AA', members: member(row.aa) },
      { grade: 'A', members: member(row.a) },
      { grade: 'B', members: member(row.b) },
      { grade: 'C', members: member(row.c) },
    ],
    leads: suppressSmall(row.leads, row.leadOperators, scopes.leads),
    openLeads: suppressSmall(row.openLeads, row.openLeadOperators, scopes.leads),
  }));
}
