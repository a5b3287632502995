import { requestedFields } from '@xiran/subgraph-kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { AssociationContext } from '../context';
import type { OperatorPart, OperatorRecord } from '../db/queries';

/** A part from the parent, or (only when the parent was loaded without it) from the batched loader. */
async function part<K extends OperatorPart>(operator: OperatorRecord, key: K, ctx: AssociationContext): Promise<OperatorRecord[K]> {
  if (operator[key] !== undefined) return operator[key];
  return (await ctx.loaders.operator([key]).load(operator.uscc))?.[key];
}

export const Operator = {
  __resolveReference(reference: { uscc: string }, ctx: AssociationContext, info: GraphQLResolveInfo) {
    return ctx.loaders.operator(requestedFields(info, 'Operator')).load(reference.uscc);
  },
  membership: async (operator: OperatorRecord, _args: unknown, ctx: AssociationContext) => (await part(operator, 'membership', ctx)) ?? null,
  creditGrade: async (operator: OperatorRecord, _args: unknown, ctx: AssociationContext) => (await part(operator, 'creditGrade', ctx)) ?? null,
  creditScore: async (operator: OperatorRecord, _args: unknown, ctx: AssociationContext) => (await part(operator, 'creditScore', ctx)) ?? null,
  leads: async (operator: OperatorRecord, _args: unknown, ctx: AssociationContext) => (await part(operator, 'leads', ctx)) ?? [],
};
