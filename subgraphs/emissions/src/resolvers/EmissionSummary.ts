import type { GraphQLResolveInfo } from 'graphql';
import { visibleParts, type WithheldPartsContext } from '@xiran/subgraph-kit';
import type { EmissionsContext } from '../context';
import type { EmissionSummaryRecord, ReasonsByGroup } from '../db/queries';

/** The order the reasons are told in: machines, then inspections, then penalties. */
const REASON_GROUPS: ReadonlyArray<keyof ReasonsByGroup> = ['machinesAndPermits', 'inspections', 'penalties'];

export const EmissionSummary = {
  /**
   * Each reason states a fact of one source group: the caller gets the reasons of the groups it
   * holds, and a FORBIDDEN error at this path names the others (the compliant flag, the summary's
   * own content, still counts every reason).
   */
  reasons(summary: EmissionSummaryRecord, _args: unknown, ctx: EmissionsContext & WithheldPartsContext, info: GraphQLResolveInfo): string[] {
    const parts = REASON_GROUPS.flatMap((group) => (summary.reasons[group] ?? []).map((text) => ({ group, text })));
    return visibleParts(parts, ctx, info).map((part) => part.text);
  },
};
