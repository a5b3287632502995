import type { HttpSubgraphName } from './subgraphs';

/**
 * Which subgraph keeps each dataset (docs/datasets.md): where the gateway's `POST /imports/:dataset`
 * forwards a file. The datasets themselves are defined in each subgraph (src/datasets.ts), which
 * the gateway does not load; tests/src/import-datasets.test.ts checks this list against them.
 */
export const DATASET_SUBGRAPHS = {
  operators: 'registration',
  outlets: 'registration',
  machines: 'emissions',
  permits: 'emissions',
  inspections: 'emissions',
  'solvent-ledger': 'emissions',
  penalties: 'emissions',
  'insurance-status': 'social-insurance',
  'insured-headcount': 'social-insurance',
  complaints: 'complaints',
  memberships: 'association',
  leads: 'association',
} as const satisfies Record<string, HttpSubgraphName>;

export type DatasetName = keyof typeof DATASET_SUBGRAPHS;

export function datasetSubgraph(name: string): HttpSubgraphName | undefined {
  return Object.hasOwn(DATASET_SUBGRAPHS, name) ? DATASET_SUBGRAPHS[name as DatasetName] : undefined;
}
