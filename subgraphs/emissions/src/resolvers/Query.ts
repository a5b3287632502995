import type { GraphQLResolveInfo } from 'graphql';
import { CATALOGUE } from '@xiran/auth';
import { badUserInput, district } from '@xiran/common';
import { optionalDistrict, requestedFields, requireDistrict } from '@xiran/subgraph-kit';
import type { EmissionsContext } from '../context';
import { emissionStatistics, machineUse, publicisedPenaltyKeys, solventUse } from '../db/queries';
import type { MachineRow } from '../db/schema';

export const Query = {
  async emissionStatistics(_: unknown, args: { district?: string | null }, ctx: EmissionsContext) {
    // A district asked for by name always answers one row (zeros when there is nothing the caller may see there).
    const rows = await emissionStatistics(ctx.db, optionalDistrict('district', args.district), ctx.scopes);
    return rows.map((row) => ({ ...row, districtName: district(row.district)?.name ?? row.district }));
  },

  /** 相互比对: the district's machines in use, each with its operator's last active ledger month. */
  async machineUse(_: unknown, args: { district: string; since: string; enclosure?: MachineRow['enclosure'] | null }, ctx: EmissionsContext, info: GraphQLResolveInfo) {
    const code = requireDistrict('district', args.district);
    // The ledger is read only when lastActiveMonth is selected and the caller may read it (inspections):
    // for any other caller the shield nulls the field, so the look-up would be wasted.
    const readsLedger =
      requestedFields(info, 'MachineUse').has('lastActiveMonth') && CATALOGUE.decide('MachineUse.lastActiveMonth', ctx.auth.grants, ctx.auth.principal).allowed;
    return machineUse(ctx.db, { district: code, enclosure: args.enclosure ?? null, lastActiveSince: readsLedger ? args.since : null, scopes: ctx.scopes });
  },

  /** 相互比对: the district's operators' solvent use over the months from `from`. */
  async solventUse(_: unknown, args: { district: string; from: string; minGramsPerKg?: number | null }, ctx: EmissionsContext) {
    const code = requireDistrict('district', args.district);
    const minGramsPerKg = args.minGramsPerKg ?? null;
    if (minGramsPerKg !== null && !(minGramsPerKg >= 0)) throw badUserInput('minGramsPerKg', 'must be 0 or more');
    return solventUse(ctx.db, { district: code, from: args.from, minGramsPerKg, scope: ctx.scopes.inspections });
  },

  /** 相互比对: who in the district has a penalty publicised today. */
  async publicisedPenaltyKeys(_: unknown, args: { district: string }, ctx: EmissionsContext) {
    return publicisedPenaltyKeys(ctx.db, { district: requireDistrict('district', args.district), scope: ctx.scopes.penalties });
  },
};
