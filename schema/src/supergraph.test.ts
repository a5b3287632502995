import { describe, expect, it } from 'vitest';
import { composeSupergraph, readCommittedSupergraph } from './compose';

describe('supergraph', () => {
  it('is composed from the subgraph SDL files and committed up to date (npm run compose)', () => {
    expect(readCommittedSupergraph()).toBe(composeSupergraph());
  });
});
