import { requestedFields } from '@xiran/subgraph-kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { ComplaintsContext } from '../context';
import type { OperatorRecord } from '../db/queries';

const EMPTY_SUMMARY = { total: 0, open: 0, byCategory: [], byStatus: [] };

export const Operator = {
  __resolveReference(reference: { uscc: string }, ctx: ComplaintsContext, info: GraphQLResolveInfo) {
    const parts = requestedFields(info, 'Operator');
    // A nested part: the tickets' complainants, folded into the tickets' JSON.
    if (parts.has('complaints') && requestedFields(info, 'ComplaintTicket', ['complaints']).has('complainant')) parts.add('complaints.complainant');
    return ctx.loaders.operator(parts).load(reference.uscc);
  },
  async complaintSummary(operator: OperatorRecord, _args: unknown, ctx: ComplaintsContext) {
    if (operator.complaintSummary) return operator.complaintSummary;
    // Reached only when the parent was loaded without the part (e.g. a ticket's `operator` reference).
    return (await ctx.loaders.operator(['complaintSummary']).load(operator.uscc))?.complaintSummary ?? EMPTY_SUMMARY;
  },
  async complaints(operator: OperatorRecord, _args: unknown, ctx: ComplaintsContext) {
    if (operator.complaints) return operator.complaints;
    return (await ctx.loaders.operator(['complaints']).load(operator.uscc))?.complaints ?? [];
  },
};
