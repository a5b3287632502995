import type { GraphQLResolveInfo } from 'graphql';
import { CATALOGUE } from '@xiran/auth';
import { badUserInput, district } from '@xiran/common';
import { optionalDistrict, pageWindow, requestedFields, toConnection } from '@xiran/subgraph-kit';
import type { AssociationContext } from '../context';
import { decodeLeadCursor, leadCursorKey, leadPage, type LeadFilter, type LeadOrder } from '../db/lead-pages';
import { associationStatistics, memberPage, type MemberFilter } from '../db/queries';
import { ROUTED_AGENCIES } from '../lead-routing';

/** A page of leads in `order`, each primed into the lead loader (a later `_entities` of it costs nothing). */
async function leadConnection(ctx: AssociationContext, info: GraphQLResolveInfo, filter: LeadFilter, order: LeadOrder, first: number | null | undefined, after: string | null | undefined) {
  const { limit } = pageWindow(first, null);
  const afterKey = decodeLeadCursor(after ?? null);
  const { rows, totalCount } = await leadPage(ctx.db, {
    filter,
    order,
    limit,
    after: afterKey,
    withTotal: requestedFields(info, 'LeadConnection').has('totalCount'),
    scope: ctx.scopes.leads,
    today: ctx.today,
  });
  const loader = ctx.loaders.lead([]);
  for (const row of rows) loader.prime(row.id, row);
  return toConnection(rows, limit, (row) => leadCursorKey(row, order), totalCount);
}

export const Query = {
  async members(
    _: unknown,
    args: { first?: number | null; after?: string | null; filter?: MemberFilter | null },
    ctx: AssociationContext,
    info: GraphQLResolveInfo,
  ) {
    const { limit, afterKey } = pageWindow(args.first, args.after);
    const filter = { ...args.filter, district: optionalDistrict('filter.district', args.filter?.district) };
    const parts = requestedFields(info, 'Operator', ['nodes']);
    const { rows, totalCount } = await memberPage(ctx.db, {
      filter,
      limit,
      afterKey,
      parts,
      withTotal: requestedFields(info, 'MemberConnection').has('totalCount'),
      scopes: ctx.scopes,
    });
    // The page already holds the nodes' parts: later loads of the same selection hit the cache.
    const loader = ctx.loaders.operator(parts);
    for (const row of rows) loader.prime(row.uscc, row);
    return toConnection(rows, limit, (row) => row.uscc, totalCount);
  },

  async associationStatistics(_: unknown, args: { district?: string | null }, ctx: AssociationContext, info: GraphQLResolveInfo) {
    const code = optionalDistrict('district', args.district);
    const asked = requestedFields(info, 'AssociationDistrictStatistics');
    const leads = ['leads', 'openLeads'].some((f) => asked.has(f) && CATALOGUE.decide(`AssociationDistrictStatistics.${f}`, ctx.auth.grants, ctx.auth.principal).allowed);
    const rows = await associationStatistics(ctx.db, code, ctx.scopes, { leads });
    return rows.map((row) => ({ ...row, districtName: district(row.district)?.name ?? row.district }));
  },

  leads(_: unknown, args: { filter?: LeadFilter | null; first?: number | null; after?: string | null }, ctx: AssociationContext, info: GraphQLResolveInfo) {
    const given = args.filter ?? {};
    const routedAgency = given.routedAgency ?? null;
    if (routedAgency !== null && !ROUTED_AGENCIES.includes(routedAgency as never)) {
      throw badUserInput('filter.routedAgency', `${JSON.stringify(routedAgency)} is not an agency leads are routed to (${ROUTED_AGENCIES.join(', ')})`);
    }
    const filter: LeadFilter = { ...given, district: optionalDistrict('filter.district', given.district), routedAgency };
    return leadConnection(ctx, info, filter, 'RECENT', args.first, args.after);
  },

  overdueLeads(_: unknown, args: { district?: string | null; first?: number | null; after?: string | null }, ctx: AssociationContext, info: GraphQLResolveInfo) {
    const filter: LeadFilter = { district: optionalDistrict('district', args.district), overdue: true };
    return leadConnection(ctx, info, filter, 'DUE', args.first ?? 100, args.after);
  },
};
