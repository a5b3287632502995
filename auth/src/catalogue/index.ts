export * from './catalogue';
export * from './default-grants';
export * from './grants';
export * from './groups';
export * from './writes';
