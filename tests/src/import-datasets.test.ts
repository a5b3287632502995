import { describe, expect, it } from 'vitest';
import { DATASET_SUBGRAPHS } from '@xiran/schema';
import { SUBGRAPH_MODULES } from '@xiran/tools/services';

describe('the gateway’s dataset → subgraph map (POST /imports/:dataset)', () => {
  it('names every dataset each subgraph defines, with that subgraph, and nothing else', () => {
    const defined = Object.fromEntries(SUBGRAPH_MODULES.flatMap((m) => m.intake.datasets.map((d) => [d.name, m.name])));
    expect(DATASET_SUBGRAPHS).toEqual(defined);
  });
});
