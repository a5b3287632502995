import { district, optionalDistrict } from '@xiran/subgraph-kit';
import type { EmissionsContext } from '../context';
import { emissionStatistics } from '../db/queries';

export const Query = {
  async emissionStatistics(_: unknown, args: { district?: string | null }, ctx: EmissionsContext) {
    const code = optionalDistrict('district', args.district);
    const rows = await emissionStatistics(ctx.db, code);
    // A district asked for by name always answers one row, zeros when the department has no record there.
    const answer =
      code && rows.length === 0
        ? [{ district: code, operators: 0, compliantOperators: 0, machines: 0, enclosedMachines: 0, openMachines: 0, machinesBySolvent: [] }]
        : rows;
    return answer.map((row) => ({ ...row, districtName: district(row.district)?.name ?? row.district }));
  },
};
