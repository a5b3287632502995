import type { Agency } from '../agencies';
import type { FieldGroup } from './groups';

/**
 * The platform's write operations (即时上传 and 定期更新): each mutation belongs to the agency that
 * owns the data it writes, and only that agency's callers with the `uploader` role may run it (a
 * district-level uploader only inside its district, which the owning subgraph checks per record).
 * Like the read catalogue, a mutation that is not listed here is refused.
 */
export interface WriteOperation {
  coordinate: string;
  owner: Agency;
  subgraph: FieldGroup['subgraph'];
  description: string;
}

const writes = (owner: Agency, subgraph: FieldGroup['subgraph'], entries: Record<string, string>): WriteOperation[] =>
  Object.entries(entries).map(([field, description]) => ({ coordinate: `Mutation.${field}`, owner, subgraph, description }));

export const WRITE_OPERATIONS: readonly WriteOperation[] = [
  ...writes('market', 'registration', {
    upsertOperator: 'register or update an operator, with its outlets',
    upsertOutlet: 'register or update one outlet',
    importRegistrationData: 'import a CSV of operators or outlets',
  }),
  ...writes('environment', 'emissions', {
    recordMachine: 'record a dry-cleaning machine',
    recordPermit: 'record an EIA / 排污登记 document',
    recordInspection: 'record an inspection',
    recordLedgerMonth: 'record a month of the solvent ledger',
    recordPenalty: 'record a penalty decision',
    importEmissionsData: 'import a CSV of machines, permits, inspections, ledger months or penalties',
  }),
  ...writes('hrss', 'social-insurance', {
    setInsuranceStatus: "set a unit's payment status of one insurance for a period",
    setInsuredHeadcount: "set a unit's insured headcount band",
    importSocialInsuranceData: 'import a CSV of insurance status or headcount',
  }),
  ...writes('petition', 'complaints', {
    openComplaint: 'open a complaint ticket',
    routeComplaint: 'route a ticket to the handling agency',
    updateComplaint: "update a ticket's status",
    closeComplaint: 'close a ticket with its result',
    importComplaintsData: 'import a CSV of complaint tickets',
  }),
  ...writes('association', 'association', {
    recordMembership: 'record a membership',
    recordCreditGrade: "record a member's credit grade",
    reportLead: 'report a violation lead',
    importAssociationData: 'import a CSV of memberships or leads',
  }),
];

export const WRITES_BY_COORDINATE: ReadonlyMap<string, WriteOperation> = new Map(WRITE_OPERATIONS.map((w) => [w.coordinate, w]));
