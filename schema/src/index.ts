export * from './subgraphs';
export { composeSupergraph, readCommittedSupergraph } from './compose';
