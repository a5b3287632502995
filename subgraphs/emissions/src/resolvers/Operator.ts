import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput } from '@xiran/common';
import { requestedFields } from '@xiran/subgraph-kit';
import type { EmissionsContext } from '../context';
import { MAX_LEDGER_MONTHS, type OperatorPart, type OperatorRecord } from '../db/queries';

/** A part of the parent, or (only when the parent was loaded without it) that part on its own. */
async function part<K extends OperatorPart>(operator: OperatorRecord, field: K, ctx: EmissionsContext): Promise<OperatorRecord[K] | undefined> {
  if (operator[field] !== undefined) return operator[field];
  return (await ctx.loaders.operator([field]).load(operator.uscc))?.[field];
}

export const Operator = {
  __resolveReference(reference: { uscc: string }, ctx: EmissionsContext, info: GraphQLResolveInfo) {
    return ctx.loaders.operator(requestedFields(info, 'Operator')).load(reference.uscc);
  },
  emissionSummary: async (operator: OperatorRecord, _args: unknown, ctx: EmissionsContext) => (await part(operator, 'emissionSummary', ctx)) ?? null,
  machines: async (operator: OperatorRecord, _args: unknown, ctx: EmissionsContext) => (await part(operator, 'machines', ctx)) ?? [],
  permits: async (operator: OperatorRecord, _args: unknown, ctx: EmissionsContext) => (await part(operator, 'permits', ctx)) ?? [],
  inspections: async (operator: OperatorRecord, _args: unknown, ctx: EmissionsContext) => (await part(operator, 'inspections', ctx)) ?? [],
  penalties: async (operator: OperatorRecord, _args: unknown, ctx: EmissionsContext) => (await part(operator, 'penalties', ctx)) ?? [],
  async solventLedger(operator: OperatorRecord, args: { months?: number | null }, ctx: EmissionsContext) {
    const months = args.months ?? 12;
    if (!Number.isInteger(months) || months < 1 || months > MAX_LEDGER_MONTHS) {
      throw badUserInput('months', `must be between 1 and ${MAX_LEDGER_MONTHS}`, { max: MAX_LEDGER_MONTHS });
    }
    // Rows come most recent month first; keep those of the first `months` distinct months.
    const rows = (await part(operator, 'solventLedger', ctx)) ?? [];
    const kept = new Set<string>();
    return rows.filter((row) => {
      if (kept.has(row.month)) return true;
      if (kept.size >= months) return false;
      kept.add(row.month);
      return true;
    });
  },
};
