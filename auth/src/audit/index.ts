export * from './chain';
export * from './trail';
export * from './verify';
export * from './access-log';
