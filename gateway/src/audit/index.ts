export * from './chain';
export * from './trail';
export * from './normalise';
export * from './verify';
export * from './access-log';
