export * from './subgraphs';
export { composeSupergraph, readCommittedSupergraph } from './compose';
export * from './datasets';
