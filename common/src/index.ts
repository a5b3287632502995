export * from './agencies';
export * from './date-values';
export * from './districts';
export * from './errors';
export * from './uscc';
