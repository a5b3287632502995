export * from './catalogue/index';
export * from './grant-store';
export * from './internal-imports';
export * from './internal-sync';
export * from './keys';
export * from './principal';
export * from './subgraph/index';
export * from './tokens';
