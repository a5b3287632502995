export * from './authentication';
export * from './shield';
