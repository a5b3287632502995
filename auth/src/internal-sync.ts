// The gateway's replication endpoints on every subgraph (the association's member list, the
// registry's operator→district map): the gateway calls them, the subgraphs serve them.

/** The system principal the gateway uses to copy the association's member list to other subgraphs. */
export const MEMBER_SYNC_SUBJECT = 'system:member-scope-sync';
export const MEMBER_SCOPE_PATH = '/internal/member-scope';

/** The system principal the gateway uses to copy the registry's operator→district map. */
export const OPERATOR_DISTRICT_SYNC_SUBJECT = 'system:operator-district-sync';
export const OPERATOR_DISTRICTS_PATH = '/internal/operator-districts';
