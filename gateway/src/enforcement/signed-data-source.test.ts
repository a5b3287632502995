import { describe, expect, it } from 'vitest';
import { readSubgraphTimeouts, GatewayConfigError } from '../config';
import { unavailableAt } from './signed-data-source';

const code = { code: 'SUBGRAPH_UNAVAILABLE' };

describe('unavailableAt: the errors of a subgraph that did not answer', () => {
  it('an entity fetch: one error per representation and per field of the fragment on its type', () => {
    const errors = unavailableAt(
      {
        query: 'query($representations:[_Any!]!){_entities(representations:$representations){...on Operator{__typename emissionSummary{compliant} m:machines{id}} ...on Outlet{machines{id}}}}',
        variables: { representations: [{ __typename: 'Operator', uscc: 'a' }, { __typename: 'Outlet', id: 'o' }] },
      },
      'down',
    );
    expect(errors).toEqual([
      { message: 'down', path: ['_entities', 0, 'emissionSummary'], extensions: code },
      { message: 'down', path: ['_entities', 0, 'm'], extensions: code },
      { message: 'down', path: ['_entities', 1, 'machines'], extensions: code },
    ]);
  });

  it('a root fetch: one error per root field, by its response key', () => {
    expect(unavailableAt({ query: '{ __typename a: machines { id } permits { id } }' }, 'down')).toEqual([
      { message: 'down', path: ['a'], extensions: code },
      { message: 'down', path: ['permits'], extensions: code },
    ]);
  });
});

describe('subgraph timeouts', () => {
  it('SUBGRAPH_TIMEOUT_MS for all, <NAME>_TIMEOUT_MS for one, 10 s by default', () => {
    expect(readSubgraphTimeouts({}).emissions).toBe(10_000);
    const timeouts = readSubgraphTimeouts({ SUBGRAPH_TIMEOUT_MS: '3000', SOCIAL_INSURANCE_TIMEOUT_MS: '20000' });
    expect(timeouts).toMatchObject({ emissions: 3000, registration: 3000, 'social-insurance': 20_000 });
    expect(() => readSubgraphTimeouts({ EMISSIONS_TIMEOUT_MS: '-1' })).toThrow(GatewayConfigError);
  });
});
