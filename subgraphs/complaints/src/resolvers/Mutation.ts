import { eq } from 'drizzle-orm';
import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput } from '@xiran/common';
import { addDays, importResolver, outsideDistrict, parseValue, patchRecord, requestedFields, uploadRecords, writerOf } from '@xiran/subgraph-kit';
import type { ComplaintsContext } from '../context';
import { complaintsDataset, INTAKE } from '../datasets';
import { insertComplainant, validateComplainant, type ComplainantInput } from '../db/complainants';
import { tickets, type TicketRow } from '../db/schema';
import { assertTransition, DUE_DAYS } from '../workflow';

type Status = TicketRow['status'];

interface OpenComplaintInput {
  id: string;
  channel: TicketRow['channel'];
  receivedOn: string;
  category: TicketRow['category'];
  dueOn?: string | null;
  respondentName: string;
  uscc?: string | null;
  district: string;
  handlingDistrict?: string | null;
  text: string;
  complainant?: ComplainantInput | null;
}

interface RouteComplaintInput {
  id: string;
  handlingAgency: string;
  handlingDistrict: string;
  dueOn: string;
}

interface UpdateComplaintInput {
  id: string;
  status: Status;
  text?: string | null;
}

interface CloseComplaintInput {
  id: string;
  status: Status;
  closedOn: string;
  satisfaction?: TicketRow['satisfaction'];
}



/** The ticket as written, read back through the caller's own scopes (as any read of it would be). */
function readBack(ctx: ComplaintsContext, info: GraphQLResolveInfo, id: string) {
  return ctx.loaders.ticket(requestedFields(info, 'ComplaintTicket')).load(id);
}

/**
 * The handling office's district: as given, else the ticket's own. The default is checked here, so
 * that a bad district is reported as the field the caller gave (input.district).
 */
function handlingDistrictOf(ticket: OpenComplaintInput): string {
  if (ticket.handlingDistrict != null) return ticket.handlingDistrict;
  const column = complaintsDataset.columns.find((c) => c.key === 'district')!;
  const parsed = parseValue(column, ticket.district);
  if (!parsed.ok) throw badUserInput('input.district', parsed.reason);
  return String(parsed.value);
}

/**
 * Moves a stored ticket to `to` with `patch` over it. The row is locked first: of two agencies
 * acting on one ticket at once, the second sees the first's move rather than a stale status. The
 * move must be one the workflow allows, and the whole record is validated again (patchRecord).
 */
async function moveTicket(ctx: ComplaintsContext, id: string, to: Status, patch: Record<string, unknown>): Promise<string> {
  const writer = writerOf(ctx.auth);
  const key = id.trim();
  await ctx.db.transaction(async (tx) => {
    const [current] = await tx.select({ status: tickets.status, district: tickets.district }).from(tickets).where(eq(tickets.id, key)).for('update');
    // Before the workflow check: another district's uploader learns nothing of the ticket, not
    // even whether it exists (the same refusal as for a ticket that does not).
    if (writer.district && current?.district !== writer.district) throw outsideDistrict('input.id');
    if (!current) throw badUserInput('input.id', `no complaint ticket ${key}`);
    assertTransition(key, current.status, to);
    await patchRecord(tx, INTAKE.intake, complaintsDataset, { id: key }, { ...patch, status: to }, writer);
  });
  return key;
}

export const Mutation = {
  async openComplaint(_: unknown, args: { input: OpenComplaintInput }, ctx: ComplaintsContext, info: GraphQLResolveInfo) {
    const { complainant, ...ticket } = args.input;
    const writer = writerOf(ctx.auth);
    const person = complainant ? validateComplainant(complainant) : null;
    // 受理: the ticket starts with 信访局, at the office of its own district, unless told otherwise.
    const record = {
      ...ticket,
      status: 'RECEIVED',
      handlingAgency: 'petition',
      handlingDistrict: handlingDistrictOf(ticket),
      dueOn: ticket.dueOn ?? addDays(ticket.receivedOn, DUE_DAYS[ticket.channel]),
    };
    const id = await ctx.db.transaction(async (tx) => {
      const { batch, records } = await uploadRecords(tx, INTAKE.intake, complaintsDataset, [record], writer);
      const written = records[0]!;
      // Opening again would reset a ticket's progress: an existing number is refused (and rolled back).
      if (batch.newRows === 0) throw badUserInput('input.id', `ticket ${String(written.id)} is already open; route, update or close it instead`);
      const stored = { id: String(written.id), uscc: (written.uscc as string | null) ?? null, district: String(written.district) };
      if (person) await insertComplainant(tx, stored, person, `upload:${writer.sub}`);
      return stored.id;
    });
    return readBack(ctx, info, id);
  },

  async routeComplaint(_: unknown, args: { input: RouteComplaintInput }, ctx: ComplaintsContext, info: GraphQLResolveInfo) {
    const { id, ...route } = args.input;
    return readBack(ctx, info, await moveTicket(ctx, id, 'TRANSFERRED', route));
  },

  async updateComplaint(_: unknown, args: { input: UpdateComplaintInput }, ctx: ComplaintsContext, info: GraphQLResolveInfo) {
    const { id, status, text } = args.input;
    if (status !== 'IN_PROGRESS' && status !== 'REPLIED') {
      throw badUserInput('input.status', `${status} is not set by updateComplaint (IN_PROGRESS or REPLIED); use routeComplaint or closeComplaint`);
    }
    return readBack(ctx, info, await moveTicket(ctx, id, status, { text: text ?? undefined }));
  },

  async closeComplaint(_: unknown, args: { input: CloseComplaintInput }, ctx: ComplaintsContext, info: GraphQLResolveInfo) {
    const { id, status, closedOn, satisfaction } = args.input;
    if (status !== 'CLOSED' && status !== 'REJECTED') {
      throw badUserInput('input.status', `${status} does not close a ticket (CLOSED or REJECTED); use updateComplaint or routeComplaint`);
    }
    return readBack(ctx, info, await moveTicket(ctx, id, status, { closedOn, satisfaction: satisfaction ?? undefined }));
  },

  // The complainants' copies follow in the import's own transaction (complaintsDataset.afterImport).
  importComplaintsData: importResolver(INTAKE),
};
