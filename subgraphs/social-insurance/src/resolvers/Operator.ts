import { requestedFields } from '@xiran/subgraph-kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { SocialInsuranceContext } from '../context';
import type { OperatorRecord } from '../db/queries';

export const Operator = {
  __resolveReference(reference: { uscc: string }, ctx: SocialInsuranceContext, info: GraphQLResolveInfo) {
    return ctx.loaders.operator(requestedFields(info, 'Operator')).load(reference.uscc);
  },
  // A part is undefined only when the parent was loaded without it; null means "no record".
  async socialInsuranceStatus(operator: OperatorRecord, _args: unknown, ctx: SocialInsuranceContext) {
    if (operator.socialInsuranceStatus !== undefined) return operator.socialInsuranceStatus;
    return (await ctx.loaders.operator(['socialInsuranceStatus']).load(operator.uscc))?.socialInsuranceStatus ?? null;
  },
  async insuredHeadcount(operator: OperatorRecord, _args: unknown, ctx: SocialInsuranceContext) {
    if (operator.insuredHeadcount !== undefined) return operator.insuredHeadcount;
    return (await ctx.loaders.operator(['insuredHeadcount']).load(operator.uscc))?.insuredHeadcount ?? null;
  },
};
