import type { Agency } from '@xiran/common';

/**
 * The field groups of the 授权使用 catalogue (shared/spec/authorization.md). Every field of the
 * API belongs to exactly one group, named by its schema coordinate `Type.field`, except
 * `Operator.uscc` and `__typename`, which every caller who can see an operator may read.
 * `aggregates` are the group's statistics coordinates: the only ones an AGGREGATE grant opens.
 */
export interface FieldGroup {
  id: GroupId;
  owner: Agency;
  /** The subgraph that serves the group's fields. */
  subgraph: 'registration' | 'emissions' | 'social-insurance' | 'complaints' | 'association';
  description: string;
  coordinates: readonly string[];
  aggregates: readonly string[];
  /**
   * The group's coordinates whose values are computed from other groups' data, and which groups
   * each reveals (spec: "Derived values reveal their sources"). Enforced by Catalogue.decide, at
   * the gateway and in the subgraphs alike; checked against the SQL the resolvers run
   * (tests/src/derived-reveals.int.test.ts).
   */
  derived?: readonly DerivedCoordinate[];
  /**
   * Groups whose rows the group's own content is by definition a summary of: the spec's table
   * defines emissionSummary as the compliant flag, solvent types and enclosed-machine share of the
   * machines, and complaintSummary as counts of the tickets. A grant of the group discloses that
   * summary and nothing else of them; any coordinate carrying more (a reason naming an inspection)
   * declares it in `derived`.
   */
  summarises?: readonly GroupId[];
}

/** A coordinate computed from other groups' data. */
export interface DerivedCoordinate {
  coordinate: string;
  /** Every group the value is computed from, beyond its own. */
  reveals: readonly GroupId[];
  /**
   * A value assembled from parts, each of one group of `reveals` (a list of reasons): the caller
   * gets the parts of the groups it holds, and a FORBIDDEN error names the withheld groups. Without
   * it, the caller needs every group of `reveals` or gets null.
   */
  parts?: boolean;
}

export const GROUP_IDS = [
  'registration',
  'outlets',
  'emissionSummary',
  'machinesAndPermits',
  'inspections',
  'penalties',
  'socialInsuranceStatus',
  'insuredHeadcount',
  'complaintSummary',
  'complaintTickets',
  'complaintText',
  'complainantIdentity',
  'creditGrade',
  'creditScore',
  'leads',
] as const;
export type GroupId = (typeof GROUP_IDS)[number];

/** `Type.a`, `Type.b`, ... */
const on = (type: string, ...fields: string[]) => fields.map((f) => `${type}.${f}`);
const ROW = ['source', 'updatedAt'];

export const FIELD_GROUPS: readonly FieldGroup[] = [
  {
    id: 'registration',
    owner: 'market',
    subgraph: 'registration',
    description: '登记信息: name, status, district, address, dates, business scope, industry code, abnormal-list flag, legal representative',
    coordinates: [
      ...on('Query', 'operator', 'operators', 'registrationStatistics'),
      ...on('Operator', 'usccCheckDigitValid', 'name', 'entityKind', 'status', 'district', 'districtName', 'address', 'legalRepresentative',
        'established', 'deregistered', 'businessScope', 'industryCode', 'abnormalList', ...ROW),
      'Operator.present',
      'ChangeFeed.operators',
      // 相互比对: the keys of the operators a filter selects, unpaged.
      'Query.operatorKeys',
      ...on('OperatorConnection', 'nodes', 'totalCount', 'pageInfo'),
      ...on('RegistrationDistrictStatistics', 'district', 'districtName', 'operators', 'active', 'revoked', 'deregistered', 'movedOut', 'abnormalListed', 'openOutlets'),
    ],
    aggregates: [
      'Query.registrationStatistics',
      ...on('RegistrationDistrictStatistics', 'district', 'districtName', 'operators', 'active', 'revoked', 'deregistered', 'movedOut', 'abnormalListed', 'openOutlets'),
    ],
    // It counts the district's open outlets: a statistic needs a grant of every group it counts.
    derived: [{ coordinate: 'RegistrationDistrictStatistics.openOutlets', reveals: ['outlets'] }],
  },
  {
    id: 'outlets',
    owner: 'market',
    subgraph: 'registration',
    description: '网点: address, type, location, services',
    coordinates: [
      'Operator.outlets',
      ...on('Outlet', 'id', 'operatorUscc', 'name', 'type', 'address', 'district', 'location', 'services', 'opened', 'status', ...ROW),
      'Outlet.present',
      'ChangeFeed.outlets',
      ...on('GeoPoint', 'lng', 'lat'),
    ],
    aggregates: [],
  },
  {
    id: 'emissionSummary',
    owner: 'environment',
    subgraph: 'emissions',
    description: 'VOC summary: compliant flag and why, solvent types, enclosed-machine share',
    coordinates: [
      'Operator.emissionSummary',
      ...on('EmissionSummary', 'compliant', 'reasons', 'solvents', 'machineCount', 'enclosedShare'),
      'Query.emissionStatistics',
      ...on('EmissionDistrictStatistics', 'district', 'districtName', 'operators', 'compliantOperators'),
    ],
    aggregates: ['Query.emissionStatistics', ...on('EmissionDistrictStatistics', 'district', 'districtName', 'operators', 'compliantOperators')],
    summarises: ['machinesAndPermits', 'inspections', 'penalties'],
    // Each reason states a fact of one source group: "1 open machine(s) in use" (machinesAndPermits),
    // "rectification due ... is overdue" (inspections), "penalty ... is publicised" (penalties).
    derived: [{ coordinate: 'EmissionSummary.reasons', reveals: ['machinesAndPermits', 'inspections', 'penalties'], parts: true }],
  },
  {
    id: 'machinesAndPermits',
    owner: 'environment',
    subgraph: 'emissions',
    description: 'dry-cleaning machines (solvent, enclosure, capacity) and EIA / 排污登记 documents',
    coordinates: [
      ...on('Operator', 'machines', 'permits'),
      'Outlet.machines',
      ...on('DryCleaningMachine', 'id', 'outletId', 'operatorUscc', 'solvent', 'enclosure', 'capacityKg', 'installed', 'status', ...ROW),
      ...on('EnvironmentalPermit', 'id', 'kind', 'documentNumber', 'issued', 'validUntil', ...ROW),
      ...on('DryCleaningMachine', 'present'),
      ...on('EnvironmentalPermit', 'present'),
      ...on('ChangeFeed', 'machines', 'permits'),
      'Query.machineUse',
      ...on('MachineUse', 'machine', 'uscc'),
      ...on('EmissionDistrictStatistics', 'machines', 'enclosedMachines', 'openMachines', 'machinesBySolvent'),
      ...on('SolventCount', 'solvent', 'machines'),
    ],
    aggregates: [...on('EmissionDistrictStatistics', 'machines', 'enclosedMachines', 'openMachines', 'machinesBySolvent'), ...on('SolventCount', 'solvent', 'machines')],
  },
  {
    id: 'inspections',
    owner: 'environment',
    subgraph: 'emissions',
    description: 'inspections and results, monthly solvent ledger, hazardous-waste manifests',
    coordinates: [
      ...on('Operator', 'inspections', 'solventLedger'),
      ...on('Inspection', 'id', 'date', 'kind', 'result', 'issues', 'rectificationDue', ...ROW),
      ...on('SolventLedgerMonth', 'month', 'solvent', 'purchasedKg', 'consumedKg', 'garmentsKg', 'residueKg', 'manifestNumber', 'solventGramsPerKg', ...ROW),
      ...on('ChangeFeed', 'inspections', 'solventLedger'),
      'MachineUse.lastActiveMonth',
      'Query.solventUse',
      ...on('SolventUse', 'uscc', 'operator', 'months', 'purchasedKg', 'consumedKg', 'garmentsKg', 'gramsPerKg'),
    ],
    aggregates: [],
  },
  {
    id: 'penalties',
    owner: 'environment',
    subgraph: 'emissions',
    description: 'environmental penalty decisions while publicised',
    coordinates: ['Operator.penalties', ...on('PenaltyDecision', 'id', 'decisionNumber', 'decided', 'violation', 'fineYuan', 'publicityFrom', 'publicityUntil', ...ROW), 'ChangeFeed.penalties', 'Query.publicisedPenaltyKeys'],
    aggregates: [],
  },
  {
    id: 'socialInsuranceStatus',
    owner: 'hrss',
    subgraph: 'social-insurance',
    description: 'unit payment status per insurance type, arrears flag and months',
    coordinates: [
      'Operator.socialInsuranceStatus',
      ...on('SocialInsuranceStatus', 'insurances', 'inArrears', 'maxArrearsMonths', 'terminated'),
      ...on('InsuranceStatus', 'type', 'code', 'paymentStatus', 'inArrears', 'arrearsMonths', 'lastPaidPeriod', 'asOfPeriod', ...ROW),
      'InsuranceStatus.present',
      'ChangeFeed.insuranceStatus',
      'Query.operatorsInArrears',
      ...on('SocialInsuranceDistrictStatistics', 'units', 'unitsInArrears', 'unitsTerminated'),
    ],
    aggregates: [...on('SocialInsuranceDistrictStatistics', 'units', 'unitsInArrears', 'unitsTerminated')],
  },
  {
    id: 'insuredHeadcount',
    owner: 'hrss',
    subgraph: 'social-insurance',
    description: 'insured headcount, as a band',
    coordinates: [
      'Operator.insuredHeadcount',
      ...on('InsuredHeadcount', 'band', 'asOfPeriod', ...ROW),
      'InsuredHeadcount.present',
      'ChangeFeed.insuredHeadcount',
      'Query.insuredUnitKeys',
      'Query.socialInsuranceStatistics',
      ...on('SocialInsuranceDistrictStatistics', 'district', 'districtName', 'headcountBands'),
      ...on('HeadcountBandCount', 'band', 'units'),
    ],
    aggregates: ['Query.socialInsuranceStatistics', ...on('SocialInsuranceDistrictStatistics', 'district', 'districtName', 'headcountBands'), ...on('HeadcountBandCount', 'band', 'units')],
    // 相互比对: units with insured staff and no terminated insurance; the last is a payment status.
    derived: [{ coordinate: 'Query.insuredUnitKeys', reveals: ['socialInsuranceStatus'] }],
  },
  {
    id: 'complaintSummary',
    owner: 'petition',
    subgraph: 'complaints',
    description: 'complaint counts by category and status, last 90 days',
    coordinates: [
      'Operator.complaintSummary',
      ...on('ComplaintSummary', 'total', 'byCategory', 'byStatus', 'open'),
      ...on('ComplaintCategoryCount', 'category', 'count'),
      ...on('ComplaintStatusCount', 'status', 'count'),
      'Query.complaintStatistics',
      'Query.complainedOperators',
      ...on('ComplaintTally', 'uscc', 'tickets', 'open', 'operator'),
      ...on('ComplaintDistrictStatistics', 'district', 'districtName', 'tickets', 'operators', 'byCategory', 'byStatus'),
    ],
    aggregates: [
      'Query.complaintStatistics',
      ...on('ComplaintDistrictStatistics', 'district', 'districtName', 'tickets', 'operators', 'byCategory', 'byStatus'),
      ...on('ComplaintCategoryCount', 'category', 'count'),
      ...on('ComplaintStatusCount', 'status', 'count'),
    ],
    // Counts of tickets; a window other than a calendar month or quarter would date single tickets,
    // so only a caller holding complaintTickets in full may choose one (complaints' windows.ts).
    summarises: ['complaintTickets'],
  },
  {
    id: 'complaintTickets',
    owner: 'petition',
    subgraph: 'complaints',
    description: 'de-identified tickets: channel, category, status, dates, handling agency, satisfaction',
    coordinates: [
      'Operator.complaints',
      'Query.complaintTickets',
      ...on('ComplaintTicketConnection', 'nodes', 'totalCount', 'pageInfo'),
      ...on('ComplaintTicket', 'id', 'channel', 'category', 'status', 'receivedOn', 'handlingAgency', 'handlingDistrict', 'dueOn', 'closedOn',
        'satisfaction', 'respondentName', 'uscc', 'district', 'operator', ...ROW),
      'ChangeFeed.complaintTickets',
    ],
    aggregates: [],
  },
  {
    id: 'complaintText',
    owner: 'petition',
    subgraph: 'complaints',
    description: 'the redacted complaint text',
    coordinates: ['ComplaintTicket.text'],
    aggregates: [],
  },
  {
    id: 'complainantIdentity',
    owner: 'petition',
    subgraph: 'complaints',
    description: "the complainant's name, phone and address",
    coordinates: ['ComplaintTicket.complainant', ...on('Complainant', 'name', 'phone', 'address', ...ROW)],
    aggregates: [],
  },
  {
    id: 'creditGrade',
    owner: 'association',
    subgraph: 'association',
    description: 'membership and credit grade',
    coordinates: [
      ...on('Operator', 'membership', 'creditGrade'),
      ...on('Membership', 'memberNumber', 'since', 'status', ...ROW),
      'Membership.present',
      // 会员名称: the association's own record of its member's name (no registry value).
      'Membership.name',
      'ChangeFeed.memberships',
      ...on('CreditGrade', 'grade', 'validFrom', 'validTo', ...ROW),
      'Query.members',
      ...on('MemberConnection', 'nodes', 'totalCount', 'pageInfo'),
      'Query.associationStatistics',
      ...on('AssociationDistrictStatistics', 'district', 'districtName', 'members', 'activeMembers', 'byGrade'),
      ...on('CreditGradeCount', 'grade', 'members'),
    ],
    aggregates: [
      'Query.associationStatistics',
      ...on('AssociationDistrictStatistics', 'district', 'districtName', 'members', 'activeMembers', 'byGrade'),
      ...on('CreditGradeCount', 'grade', 'members'),
    ],
  },
  {
    id: 'creditScore',
    owner: 'association',
    subgraph: 'association',
    description: 'credit score and its dimensions',
    coordinates: ['Operator.creditScore', ...on('CreditScore', 'total', 'dimensions', 'assessedOn', ...ROW), ...on('CreditScoreDimension', 'code', 'name', 'score', 'weight', ...ROW)],
    aggregates: [],
  },
  {
    id: 'leads',
    owner: 'association',
    subgraph: 'association',
    description: '线索: violation leads reported to the regulators (type, facts, routing, feedback)',
    coordinates: [
      'Operator.leads',
      ...on('Lead', 'id', 'type', 'facts', 'evidence', 'routedAgency', 'routedDistrict', 'copyToCommerce', 'reportedOn', 'feedbackDue', 'status',
        'feedback', 'feedbackOn', 'uscc', 'district', 'operator', ...ROW),
      'ChangeFeed.leads',
      ...on('Lead', 'reportedByAgency', 'overdue', 'history', 'groups'),
      ...on('LeadEvent', 'at', 'action', 'fromStatus', 'actorSub', 'actorAgency', 'actorDistrict', 'note'),
      ...on('Query', 'leads', 'overdueLeads'),
      ...on('LeadConnection', 'nodes', 'totalCount', 'pageInfo'),
      ...on('AssociationDistrictStatistics', 'leads', 'openLeads'),
    ],
    aggregates: [...on('AssociationDistrictStatistics', 'leads', 'openLeads')],
  },
];

/**
 * Derived coordinates whose revealed groups differ row by row, so `reveals` names none and
 * `perRow` says where they come from:
 * - the gateway's cross-check findings, readable by everyone asking, each finding shown only to a
 *   caller holding every group its rule reads (gateway/src/crosscheck/visibility.ts);
 * - a lead's facts and evidence (group `leads`), each lead's checked against its own groups by the
 *   association subgraph (resolvers/Lead.ts): null with FORBIDDEN where the caller lacks one.
 */
export const ROW_DERIVED: ReadonlyArray<{ coordinate: string; group: GroupId | null; parts: boolean; perRow: string }> = [
  ...['Operator.findings', 'Finding.facts', 'Finding.evidence'].map((coordinate) => ({
    coordinate,
    group: null,
    parts: true,
    perRow: "each finding reveals its rule's groups (CrossCheckRule.groups)",
  })),
  ...['Lead.facts', 'Lead.evidence'].map((coordinate) => ({
    coordinate,
    group: 'leads' as const,
    parts: false,
    perRow: "each lead reveals its own groups (Lead.groups: the rule's, or those of the data its reporter cites)",
  })),
];

/**
 * Readable whatever the grants: an operator's key, and the catalogue itself, which every
 * authenticated caller may read so that anyone can see who may know what. The grant mutations are
 * open to call; their resolvers allow only the owning agency's admin.
 */
export const ALWAYS_READABLE: ReadonlySet<string> = new Set([
  'Operator.uscc',
  // Pagination mechanics carry no department's data; every connection's own fields are guarded.
  'PageInfo.hasNextPage',
  'PageInfo.endCursor',
  'Query.authorizationCatalogue',
  // The caller's own access (its principal and effective grants): nothing about anyone else.
  'Query.myAccess',
  ...['sub', 'agency', 'level', 'district', 'groups'].map((f) => `MyAccess.${f}`),
  ...['id', 'scope', 'district', 'grant', 'reveals'].map((f) => `MyGroupAccess.${f}`),
  ...['groups', 'grants'].map((f) => `AuthorizationCatalogue.${f}`),
  ...['id', 'owner', 'description', 'coordinates', 'aggregateCoordinates', 'summarises'].map((f) => `FieldGroupInfo.${f}`),
  'AuthorizationCatalogue.derived',
  ...['coordinate', 'group', 'reveals', 'parts', 'perRow'].map((f) => `DerivedCoordinateInfo.${f}`),
  ...['id', 'group', 'grantee', 'level', 'scope', 'purpose', 'grantedBy', 'grantedAt', 'expiresAt'].map((f) => `GrantInfo.${f}`),
  'Mutation.grantAccess',
  'Mutation.revokeGrant',
  // The audit log: open to ask, the resolvers show each owner only its own groups' reads.
  ...['accessLog', 'operatorAccessLog', 'accessCounts'].map((f) => `Query.${f}`),
  ...['seq', 'at', 'kind', 'requestId', 'sub', 'agency', 'level', 'district', 'operationName', 'operationHash', 'disclosed', 'refused'].map((f) => `AccessLogEntry.${f}`),
  ...['group', 'grant', 'operators'].map((f) => `AuditDisclosure.${f}`),
  ...['group', 'coordinate', 'code'].map((f) => `AuditRefusal.${f}`),
  ...['nodes', 'totalCount', 'pageInfo'].map((f) => `AccessLogConnection.${f}`),
  ...['agency', 'group', 'reads', 'operators'].map((f) => `AccessCount.${f}`),
  // Intake bookkeeping (即时上传 / 定期更新): when each dataset was refreshed, by which batch. It
  // carries no operator's data; each dataset's change log is a field of that dataset's group.
  'Query.changes',
  'Query.dataFreshness',
  'ChangeFeed.since',
  ...['asOf', 'market', 'environment', 'hrss', 'petition', 'association'].map((f) => `DataFreshness.${f}`),
  ...['department', 'dataset', 'description', 'mode', 'lastBatch', 'lastChangeAt', 'batches'].map((f) => `DatasetFreshness.${f}`),
  ...['id', 'department', 'dataset', 'kind', 'mode', 'status', 'fileName', 'fileSha256', 'encoding', 'rows', 'newRows', 'changedRows', 'unchangedRows',
    'absentRows', 'rejectedRows', 'bySub', 'byAgency', 'byDistrict', 'startedAt', 'finishedAt'].map((f) => `ImportBatch.${f}`),
  ...['dataset', 'dryRun', 'accepted', 'encoding', 'rows', 'newRows', 'changedRows', 'unchangedRows', 'absentRows', 'rejectedRows', 'errors', 'batch'].map((f) => `ImportReport.${f}`),
  ...['line', 'column', 'reason'].map((f) => `ImportRowError.${f}`),
  // A change entry is reached only through a ChangeFeed field, which its dataset's group guards.
  ...['seq', 'at', 'dataset', 'key', 'uscc', 'district', 'operation', 'changedFields', 'batchId'].map((f) => `ChangeEntry.${f}`),
  ...['nodes', 'pageInfo'].map((f) => `ChangeConnection.${f}`),
  // 相互比对 (the gateway's crosscheck): open to ask; the resolvers show a finding only to a caller
  // holding a grant of every group its rule reads, and record what they disclosed in the trail.
  ...['crossCheck', 'crossCheckRules', 'crossCheckRuns', 'crossCheckFindings'].map((f) => `Query.${f}`),
  'Operator.findings',
  ...['id', 'rule', 'uscc', 'district', 'operator', 'severity', 'facts', 'evidence', 'actingAgency', 'firstDetectedAt', 'resolvedAt'].map((f) => `Finding.${f}`),
  ...['label', 'value'].map((f) => `FindingEvidence.${f}`),
  ...['id', 'description', 'descriptionEn', 'severity', 'groups', 'actingAgency', 'leadType'].map((f) => `CrossCheckRule.${f}`),
  ...['district', 'asOf', 'rules', 'findings'].map((f) => `CrossCheckResult.${f}`),
  ...['id', 'startedAt', 'finishedAt', 'districts', 'open', 'new', 'resolved', 'byRule'].map((f) => `CrossCheckRun.${f}`),
  ...['rule', 'open', 'new', 'resolved'].map((f) => `RuleCount.${f}`),
]);

/** Root fields that read the audit log: an operation with one of them is recorded as AUDIT_READ. */
export const AUDIT_ROOT_FIELDS: ReadonlySet<string> = new Set(['accessLog', 'operatorAccessLog', 'accessCounts']);
