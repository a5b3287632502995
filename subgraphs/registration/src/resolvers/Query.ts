import type { GraphQLResolveInfo } from 'graphql';
import { CATALOGUE } from '@xiran/auth';
import { optionalDistrict, pageWindow, requestedFields, requireUscc, toConnection } from '@xiran/subgraph-kit';
import { district } from '@xiran/common';
import type { RegistrationContext } from '../context';
import { operatorKeys, operatorPage, registrationStatistics, type OperatorFilter } from '../db/queries';
import { checkedOperatorFilter } from '../operator-filter';

export const Query = {
  operator(_: unknown, args: { uscc: string }, ctx: RegistrationContext, info: GraphQLResolveInfo) {
    requireUscc('uscc', args.uscc);
    return ctx.loaders.operator(requestedFields(info, 'Operator')).load(args.uscc);
  },

  async operators(
    _: unknown,
    args: { first?: number | null; after?: string | null; filter?: OperatorFilter | null },
    ctx: RegistrationContext,
    info: GraphQLResolveInfo,
  ) {
    const { limit, afterKey } = pageWindow(args.first, args.after);
    const filter = checkedOperatorFilter(args.filter, ctx.auth, { districtRequired: false });
    const { rows, totalCount } = await operatorPage(ctx.db, {
      filter,
      limit,
      afterKey,
      parts: requestedFields(info, 'Operator', ['nodes']),
      withTotal: requestedFields(info, 'OperatorConnection').has('totalCount'),
      scopes: ctx.scopes,
    });
    return toConnection(rows, limit, (row) => row.uscc, totalCount);
  },

  async registrationStatistics(_: unknown, args: { district?: string | null }, ctx: RegistrationContext, info: GraphQLResolveInfo) {
    // Outlets are counted only when asked for by a caller who may know them (the shield nulls the field for the others).
    const openOutlets =
      requestedFields(info, 'RegistrationDistrictStatistics').has('openOutlets') &&
      CATALOGUE.decide('RegistrationDistrictStatistics.openOutlets', ctx.auth.grants, ctx.auth.principal).allowed;
    const rows = await registrationStatistics(ctx.db, optionalDistrict('district', args.district), ctx.scopes, { openOutlets });
    return rows.map((row) => ({ ...row, districtName: district(row.district)?.name ?? row.district }));
  },

  /** 相互比对: every selected operator's uscc, unpaged; the required district bounds the list. */
  async operatorKeys(_: unknown, args: { filter: OperatorFilter }, ctx: RegistrationContext) {
    return operatorKeys(ctx.db, checkedOperatorFilter(args.filter, ctx.auth, { districtRequired: true }), ctx.scopes);
  },
};
