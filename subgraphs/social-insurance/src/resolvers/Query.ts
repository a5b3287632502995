import type { GraphQLResolveInfo } from 'graphql';
import { CATALOGUE } from '@xiran/auth';
import { badUserInput, district } from '@xiran/common';
import { optionalDistrict, requestedFields, requireDistrict } from '@xiran/subgraph-kit';
import type { SocialInsuranceContext } from '../context';
import { insuredUnitKeys, operatorsInArrears, socialInsuranceStatistics } from '../db/queries';

/** The longest arrears a record may carry (the intake's bound), hence the largest useful threshold. */
const MAX_ARREARS_MONTHS = 240;

export const Query = {
  async socialInsuranceStatistics(_: unknown, args: { district?: string | null }, ctx: SocialInsuranceContext, info: GraphQLResolveInfo) {
    const asked = requestedFields(info, 'SocialInsuranceDistrictStatistics');
    const status = ['units', 'unitsInArrears', 'unitsTerminated'].some(
      (f) => asked.has(f) && CATALOGUE.decide(`SocialInsuranceDistrictStatistics.${f}`, ctx.auth.grants, ctx.auth.principal).allowed,
    );
    const rows = await socialInsuranceStatistics(ctx.db, optionalDistrict('district', args.district), ctx.scopes, { status });
    return rows.map((row) => ({ ...row, districtName: district(row.district)?.name ?? row.district }));
  },

  /** 相互比对: the district's units in arrears, as Operator entities with the selected parts folded in. */
  async operatorsInArrears(_: unknown, args: { district: string; minMonths: number }, ctx: SocialInsuranceContext, info: GraphQLResolveInfo) {
    const code = requireDistrict('district', args.district);
    if (!Number.isInteger(args.minMonths) || args.minMonths < 1 || args.minMonths > MAX_ARREARS_MONTHS) {
      throw badUserInput('minMonths', `must be between 1 and ${MAX_ARREARS_MONTHS}`, { max: MAX_ARREARS_MONTHS });
    }
    return operatorsInArrears(ctx.db, { district: code, minMonths: args.minMonths, parts: requestedFields(info, 'Operator'), scopes: ctx.scopes });
  },

  /** 相互比对: the district's units with insured staff and no terminated insurance. */
  async insuredUnitKeys(_: unknown, args: { district: string }, ctx: SocialInsuranceContext) {
    return insuredUnitKeys(ctx.db, requireDistrict('district', args.district), ctx.scopes.insuredHeadcount);
  },
};
