import type { Agency, Role } from '@xiran/common';
import type { Principal } from '../principal';
import type { FieldGroup } from './groups';

/**
 * The platform's write operations (即时上传 and 定期更新): each mutation belongs to the agency that
 * owns the data it writes, and only that agency's callers with the `uploader` role may run it (a
 * district-level uploader only inside its district, which the owning subgraph checks per record).
 * Like the read catalogue, a mutation that is not listed here is refused.
 */
export interface WriteOperation {
  coordinate: string;
  /** The agency whose data it writes. */
  owner: Agency;
  subgraph: FieldGroup['subgraph'] | 'crosscheck';
  description: string;
  /**
   * Who may run it, always with `role`: OWNER, the owning agency; ANY, every agency (a violation
   * lead may come from anyone); HANDLER, the agencies leads are routed to (the subgraph then checks
   * that the record is routed to the caller's agency and district).
   */
  writers: 'OWNER' | 'ANY' | 'HANDLER';
  role: Role;
}

/** The agencies a violation lead can be routed to (联动). */
export const LEAD_HANDLERS: readonly Agency[] = ['market', 'environment', 'hrss'];

const writes = (owner: Agency, subgraph: WriteOperation['subgraph'], entries: Record<string, string>, writers: WriteOperation['writers'] = 'OWNER', role: Role = 'uploader'): WriteOperation[] =>
  Object.entries(entries).map(([field, description]) => ({ coordinate: `Mutation.${field}`, owner, subgraph, description, writers, role }));

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
    importAssociationData: 'import a CSV of memberships or leads',
  }),
  // 联动: any agency reports a lead; the department it is routed to handles it.
  ...writes('association', 'association', { reportLead: 'report a violation lead' }, 'ANY'),
  ...writes('association', 'association', {
    acceptLead: 'accept a lead routed to the caller',
    startLeadInvestigation: 'start investigating a lead routed to the caller',
    closeLead: 'close a lead routed to the caller, with its result',
  }, 'HANDLER'),
  // 相互比对: a finding becomes a lead (reported as the caller); commerce runs the check on demand.
  ...writes('commerce', 'crosscheck', { leadFromFinding: 'report a finding of the cross-check as a violation lead' }, 'ANY'),
  ...writes('commerce', 'crosscheck', { runCrossCheck: 'run the scheduled cross-check now and record its findings' }, 'OWNER', 'admin'),
];

/** Whether `principal` may run `write` (the subgraph still checks district and routing per record). */
export function mayWrite(write: WriteOperation, principal: Principal | undefined): boolean {
  if (!principal || !principal.roles.includes(write.role)) return false;
  if (write.writers === 'ANY') return true;
  if (write.writers === 'HANDLER') return LEAD_HANDLERS.includes(principal.agency);
  return principal.agency === write.owner;
}

export const WRITES_BY_COORDINATE: ReadonlyMap<string, WriteOperation> = new Map(WRITE_OPERATIONS.map((w) => [w.coordinate, w]));
