import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { GroupId, SubgraphAuth } from '@xiran/auth';

/**
 * 限定知悉范围 in SQL: which rows of a group a caller may see, from its principal and its grant.
 * - district: a district-level caller sees only rows of operators registered in its district;
 * - handlerAgency: a HANDLER grant sees only records routed to the caller's agency;
 * - membersOnly: a MEMBERS grant sees only the association's member operators;
 * - aggregate: an AGGREGATE grant reads statistics only, with cells under 3 operators suppressed.
 */
export interface RowScope {
  district: string | null;
  handlerAgency: string | null;
  membersOnly: boolean;
  aggregate: boolean;
}

/** The scope a caller has on a group. A caller without the grant never reaches here (shield). */
export function rowScope(auth: SubgraphAuth, group: GroupId): RowScope {
  const grant = auth.grants.get(group);
  return {
    district: auth.principal.level === 'district' ? auth.principal.district : null,
    handlerAgency: grant?.scope === 'HANDLER' ? auth.principal.agency : null,
    membersOnly: grant?.scope === 'MEMBERS',
    aggregate: grant?.scope === 'AGGREGATE',
  };
}

export interface ScopedColumns {
  /** The row's (operator's) registered district. */
  district?: PgColumn | SQL;
  /** The agency a record is routed to (complaint tickets, leads). */
  handler?: PgColumn | SQL;
  /** The operator's uscc, for the membership filter. */
  uscc?: PgColumn | SQL;
  /** `select uscc from <schema>.member_scope`, the replicated membership list. */
  members?: SQL;
}

/** The WHERE conjunct for `scope` over a table's columns; `true` when nothing limits it. */
export function scopeCondition(columns: ScopedColumns, scope: RowScope): SQL {
  const parts: SQL[] = [];
  if (scope.district) {
    if (!columns.district) throw new Error('A district-limited read needs the district column');
    parts.push(sql`${columns.district} = ${scope.district}`);
  }
  if (scope.handlerAgency) {
    if (!columns.handler) throw new Error('A handler-limited read needs the routed-agency column');
    parts.push(sql`${columns.handler}::text = ${scope.handlerAgency}`);
  }
  if (scope.membersOnly) {
    if (!columns.uscc || !columns.members) throw new Error('A members-only read needs the uscc column and the membership list');
    parts.push(sql`${columns.uscc} in (${columns.members})`);
  }
  return parts.length ? sql.join(parts, sql` and `) : sql`true`;
}

/** Below this many operators a statistics cell is suppressed for AGGREGATE callers. */
export const MIN_CELL_OPERATORS = 3;

/** A statistics cell as an AGGREGATE caller may see it: null when fewer than 3 operators stand behind it. */
export function suppressSmall(value: number, operators: number, scope: RowScope): number | null {
  return scope.aggregate && operators < MIN_CELL_OPERATORS ? null : value;
}

/**
 * Complementary suppression for AGGREGATE callers: `cells` partition `total` (as the caller sees
 * each, after suppressSmall; a cell the answer does not show, such as the non-compliant operators
 * that are `operators − compliantOperators`, is passed too). Where the total is shown and exactly
 * one cell is suppressed, that cell is the total minus the others: the smallest other cell is
 * suppressed too, so that no subtraction recovers it. Returns the cells in the same order.
 */
export function suppressComplements(total: number | null, cells: ReadonlyArray<number | null>, scope: RowScope): Array<number | null> {
  if (!scope.aggregate || total === null || cells.filter((c) => c === null).length !== 1) return [...cells];
  let smallest = -1;
  cells.forEach((cell, i) => {
    if (cell !== null && (smallest < 0 || cell < cells[smallest]!)) smallest = i;
  });
  return cells.map((cell, i) => (i === smallest ? null : cell));
}
