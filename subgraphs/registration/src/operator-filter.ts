import { CATALOGUE, type SubgraphAuth } from '@xiran/auth';
import { badUserInput, forbidden } from '@xiran/common';
import { optionalDistrict, requireDistrict } from '@xiran/subgraph-kit';
import type { OperatorFilter } from './db/queries';

/**
 * An `OperatorFilter` as the queries take it. Its district is checked (and required where the
 * list is unpaged, bounded by one district). `hasOpenOutlets` reads outlets: a caller without a
 * grant that opens `Operator.outlets` would learn from it which operators have an open outlet, so
 * it is refused for that caller rather than answered.
 */
export function checkedOperatorFilter(filter: OperatorFilter | null | undefined, auth: SubgraphAuth, options: { districtRequired: boolean }): OperatorFilter {
  const given = filter ?? {};
  if (options.districtRequired && given.district == null) throw badUserInput('filter.district', 'is required: one district bounds the list');
  const district = options.districtRequired ? requireDistrict('filter.district', given.district!) : optionalDistrict('filter.district', given.district);
  if (given.hasOpenOutlets != null && !CATALOGUE.decide('Operator.outlets', auth.grants, auth.principal).allowed) {
    throw forbidden('filter.hasOpenOutlets reads outlets: it needs a grant of the outlets group.', { field: 'filter.hasOpenOutlets', group: 'outlets' });
  }
  return { ...given, district };
}
