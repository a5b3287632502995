import { requestedFields } from '@xiran/subgraph-kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { AssociationContext } from '../context';
import { isOverdue } from '../db/lead-pages';
import { OPERATOR_PARTS } from '../db/queries';
import type { LeadRow } from '../db/schema';

export const Lead = {
  __resolveReference(reference: { id: string }, ctx: AssociationContext) {
    return ctx.loaders.lead([]).load(reference.id);
  },
  operator(lead: LeadRow, _args: unknown, ctx: AssociationContext, info: GraphQLResolveInfo) {
    const fields = requestedFields(info, 'Operator');
    // Only the key asked for (the gateway then asks registration): no statement needed.
    if (!OPERATOR_PARTS.some((p) => fields.has(p))) return { uscc: lead.uscc };
    return ctx.loaders.operator(fields).load(lead.uscc);
  },
  overdue: (lead: LeadRow, _args: unknown, ctx: AssociationContext) => isOverdue(lead, ctx.today),
  // Batched across every lead of the request: one statement however many leads ask.
  history: async (lead: LeadRow, _args: unknown, ctx: AssociationContext) => (await ctx.loaders.leadHistory([]).load(lead.id)) ?? [],
};
