import { district, optionalDistrict } from '@xiran/subgraph-kit';
import type { SocialInsuranceContext } from '../context';
import { socialInsuranceStatistics } from '../db/queries';

export const Query = {
  async socialInsuranceStatistics(_: unknown, args: { district?: string | null }, ctx: SocialInsuranceContext) {
    const rows = await socialInsuranceStatistics(ctx.db, optionalDistrict('district', args.district), ctx.scopes);
    return rows.map((row) => ({ ...row, districtName: district(row.district)?.name ?? row.district }));
  },
};
