import type { Agency } from '@xiran/common';
import type { GroupId } from './groups';

/**
 * ● owner, F granted in full, A aggregates only, M member operators only, H records routed to
 * the caller's agency as handler. A district-level caller gets the same grants limited to its
 * district (row scope, applied in SQL by the owning subgraph).
 */
export const SCOPES = ['OWNER', 'FULL', 'MEMBERS', 'HANDLER', 'AGGREGATE'] as const;
export type Scope = (typeof SCOPES)[number];

const COLUMNS: readonly Agency[] = ['commerce', 'market', 'environment', 'hrss', 'petition', 'statistics', 'ndrc', 'data', 'association'];
const MARK: Record<string, Scope | null> = { '●': 'OWNER', F: 'FULL', A: 'AGGREGATE', M: 'MEMBERS', H: 'HANDLER', '-': null };

/** The spec's table, row for row, so a reviewer can hold the two side by side. */
const TABLE: Record<GroupId, string> = {
  //                      com mkt env hrs pet sta ndr dat ass
  registration:          'F   ●   F   F   F   F   F   F   M',
  outlets:               'F   ●   F   -   F   F   -   F   M',
  emissionSummary:       'F   F   ●   -   F   A   -   A   M',
  machinesAndPermits:    'F   F   ●   -   -   A   -   A   -',
  inspections:           'F   -   ●   -   -   -   -   -   -',
  penalties:             'F   F   ●   F   F   -   F   F   M',
  socialInsuranceStatus: 'F   -   -   ●   -   -   F   -   -',
  insuredHeadcount:      'F   -   -   ●   -   A   -   A   -',
  complaintSummary:      'F   F   F   -   ●   A   -   A   M',
  complaintTickets:      'F   H   H   H   ●   -   -   -   -',
  complaintText:         '-   H   H   H   ●   -   -   -   -',
  complainantIdentity:   '-   -   -   -   ●   -   -   -   -',
  creditGrade:           'F   F   F   -   F   -   F   F   ●',
  creditScore:           'F   -   -   -   -   -   -   -   ●',
  leads:                 'F   H   H   H   -   -   -   -   ●',
};

export interface DefaultGrant {
  group: GroupId;
  grantee: Agency;
  scope: Scope;
  purpose: string;
}

export const DEFAULT_GRANTS: readonly DefaultGrant[] = Object.entries(TABLE).flatMap(([group, row]) =>
  row
    .trim()
    .split(/\s+/)
    .flatMap((mark, i) => {
      const scope = MARK[mark];
      if (scope === undefined) throw new Error(`Unknown mark ${mark} in the grant table for ${group}`);
      return scope ? [{ group: group as GroupId, grantee: COLUMNS[i]!, scope, purpose: '市商务局牵头洗染行业信息共享机制: default catalogue' }] : [];
    }),
);
