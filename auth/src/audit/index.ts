export * from './chain';
export * from './trail';
export * from './verify';
