import type { GraphQLResolveInfo } from 'graphql';
import { district, optionalDistrict, pageWindow, requestedFields, toConnection } from '@xiran/subgraph-kit';
import type { AssociationContext } from '../context';
import { associationStatistics, memberPage, type MemberFilter } from '../db/queries';

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

  async associationStatistics(_: unknown, args: { district?: string | null }, ctx: AssociationContext) {
    const code = optionalDistrict('district', args.district);
    const rows = await associationStatistics(ctx.db, code, ctx.scopes);
    return rows.map((row) => ({ ...row, districtName: district(row.district)?.name ?? row.district }));
  },
};
