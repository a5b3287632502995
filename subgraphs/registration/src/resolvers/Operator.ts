import { notVisible, district } from '@xiran/common';
import { requestedFields } from '@xiran/subgraph-kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { RegistrationContext } from '../context';
import type { OperatorRecord } from '../db/queries';

export const Operator = {
  /**
   * Another department's reference: null when market never registered the operator; null with
   * NOT_VISIBLE when it is registered outside the caller's scope (another district, a former
   * member), so that the caller can tell "not registered" from "not yours".
   */
  async __resolveReference(reference: { uscc: string }, ctx: RegistrationContext, info: GraphQLResolveInfo) {
    const operator = await ctx.loaders.operator(requestedFields(info, 'Operator')).load(reference.uscc);
    if (operator || !(await ctx.loaders.registered([]).load(reference.uscc))) return operator;
    throw notVisible(`The operator ${reference.uscc} is registered outside what you may see.`, { uscc: reference.uscc });
  },
  districtName: (operator: OperatorRecord) => district(operator.district)?.name ?? operator.district,
  async outlets(operator: OperatorRecord, _args: unknown, ctx: RegistrationContext) {
    if (operator.outlets) return operator.outlets;
    // Reached only when the parent was loaded without the outlets part.
    return (await ctx.loaders.operator(['outlets']).load(operator.uscc))?.outlets ?? [];
  },
};
