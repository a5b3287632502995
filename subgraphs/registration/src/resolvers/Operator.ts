import { district, requestedFields } from '@xiran/subgraph-kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { RegistrationContext } from '../context';
import type { OperatorRecord } from '../db/queries';

export const Operator = {
  __resolveReference(reference: { uscc: string }, ctx: RegistrationContext, info: GraphQLResolveInfo) {
    return ctx.loaders.operator(requestedFields(info, 'Operator')).load(reference.uscc);
  },
  districtName: (operator: OperatorRecord) => district(operator.district)?.name ?? operator.district,
  async outlets(operator: OperatorRecord, _args: unknown, ctx: RegistrationContext) {
    if (operator.outlets) return operator.outlets;
    // Reached only when the parent was loaded without the outlets part.
    return (await ctx.loaders.operator(['outlets']).load(operator.uscc))?.outlets ?? [];
  },
};
