import { forbidden } from '@xiran/common';
import { recordDisclosure, requestedFields, type WithheldPartsContext } from '@xiran/subgraph-kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { AssociationContext } from '../context';
import { isOverdue } from '../db/lead-pages';
import { OPERATOR_PARTS } from '../db/queries';
import type { LeadRow } from '../db/schema';
import { groupsOf, missingGroups, needsMembership } from '../lead-groups';

/**
 * A lead's text as the caller may read it: only while it holds every group the lead cites, at a
 * scope covering the lead's operator; else null, with FORBIDDEN at the field's path naming the
 * groups it lacks (the lead's type, routing, status and dates still come back).
 */
async function leadText(lead: LeadRow, field: 'facts' | 'evidence', ctx: AssociationContext & WithheldPartsContext): Promise<string> {
  const member = needsMembership(lead, ctx.auth) ? ((await ctx.loaders.activeMember([]).load(lead.uscc)) ?? false) : false;
  const missing = missingGroups(lead, ctx.auth, member);
  if (missing.length === 0) {
    // The text repeats the data of the groups the lead cites: the audit entry names them too.
    recordDisclosure(ctx, groupsOf(lead).filter((g) => g !== 'leads'), lead.uscc);
    return lead[field];
  }
  throw forbidden(`Lead.${field} of lead ${lead.id} cites ${missing.join(', ')}, which you hold no grant of for this operator.`, {
    coordinate: `Lead.${field}`,
    group: missing[0],
    groups: missing,
  });
}

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
  facts: (lead: LeadRow, _args: unknown, ctx: AssociationContext & WithheldPartsContext) => leadText(lead, 'facts', ctx),
  evidence: (lead: LeadRow, _args: unknown, ctx: AssociationContext & WithheldPartsContext) => leadText(lead, 'evidence', ctx),
  groups: (lead: LeadRow) => groupsOf(lead),
  overdue: (lead: LeadRow, _args: unknown, ctx: AssociationContext) => isOverdue(lead, ctx.today),
  // Batched across every lead of the request: one statement however many leads ask.
  history: async (lead: LeadRow, _args: unknown, ctx: AssociationContext) => (await ctx.loaders.leadHistory([]).load(lead.id)) ?? [],
};
