export * from './authentication';
export * from './authorization';
export * from './field-filter';
export * from './signed-data-source';
export * from './member-scope-sync';
export * from './operator-district-sync';
