export * from './authentication';
export * from './authorization';
export * from './field-filter';
export * from './signed-data-source';
export * from './member-scope-sync';
export * from './document-limits';
export * from './rate-limit';
export * from './operator-district-sync';
