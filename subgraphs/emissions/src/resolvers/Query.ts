import { district, optionalDistrict } from '@xiran/subgraph-kit';
import type { EmissionsContext } from '../context';
import { emissionStatistics } from '../db/queries';

export const Query = {
  async emissionStatistics(_: unknown, args: { district?: string | null }, ctx: EmissionsContext) {
    // A district asked for by name always answers one row (zeros when there is nothing the caller may see there).
    const rows = await emissionStatistics(ctx.db, optionalDistrict('district', args.district), ctx.scopes);
    return rows.map((row) => ({ ...row, districtName: district(row.district)?.name ?? row.district }));
  },
};
