import type { GraphQLResolveInfo } from 'graphql';
import { requestedFields } from '@xiran/subgraph-kit';
import type { EmissionsContext } from '../context';
import type { OutletRecord } from '../db/queries';

export const Outlet = {
  __resolveReference(reference: { id: string }, ctx: EmissionsContext, info: GraphQLResolveInfo) {
    return ctx.loaders.outlet(requestedFields(info, 'Outlet')).load(reference.id);
  },
  async machines(outlet: OutletRecord, _args: unknown, ctx: EmissionsContext) {
    if (outlet.machines) return outlet.machines;
    // Reached only when the parent was loaded without the machines part.
    return (await ctx.loaders.outlet(['machines']).load(outlet.id))?.machines ?? [];
  },
};
