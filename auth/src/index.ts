export * from './agencies';
export * from './errors';
export * from './keys';
export * from './principal';
export * from './tokens';
