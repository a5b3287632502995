import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput, district } from '@xiran/common';
import { optionalDistrict, pageWindow, requestedFields, requireDistrict, requireUscc, toConnection } from '@xiran/subgraph-kit';
import type { ComplaintsContext } from '../context';
import { complaintStatistics, complaintTallies, emptyStatisticsRow, ticketPage, type TicketFilter, type TicketKey } from '../db/queries';
import type { TicketRow } from '../db/schema';
import { checkedWindow } from '../windows';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The cursor's key is `<receivedOn>|<id>`: the keyset position of the last row read. */
function ticketKeyOf(ticket: { receivedOn: string; id: string }): string {
  return `${ticket.receivedOn}|${ticket.id}`;
}

function parseTicketKey(key: string | null): TicketKey | null {
  if (key === null) return null;
  const [receivedOn, id, ...rest] = key.split('|');
  if (!receivedOn || !DATE.test(receivedOn) || !id || rest.length > 0) throw badUserInput('after', 'is not a cursor returned by this API');
  return { receivedOn, id };
}

function dateOrder(fromField: string, from: string | null | undefined, toField: string, to: string | null | undefined) {
  if (from && to && from > to) throw badUserInput(toField, `must not be before ${fromField} (${from})`);
}

export const Query = {
  async complaintTickets(
    _: unknown,
    args: { first?: number | null; after?: string | null; filter?: TicketFilter | null },
    ctx: ComplaintsContext,
    info: GraphQLResolveInfo,
  ) {
    const { limit, afterKey } = pageWindow(args.first, args.after);
    const after = parseTicketKey(afterKey);
    const given = args.filter ?? {};
    dateOrder('filter.receivedFrom', given.receivedFrom, 'filter.receivedTo', given.receivedTo);
    const filter: TicketFilter = {
      ...given,
      district: optionalDistrict('filter.district', given.district),
      uscc: given.uscc == null ? null : requireUscc('filter.uscc', given.uscc),
    };
    const { rows, totalCount } = await ticketPage(ctx.db, {
      filter,
      limit,
      after,
      parts: requestedFields(info, 'ComplaintTicket', ['nodes']),
      withTotal: requestedFields(info, 'ComplaintTicketConnection').has('totalCount'),
      scopes: ctx.scopes,
    });
    return toConnection(rows, limit, ticketKeyOf, totalCount);
  },

  async complaintStatistics(_: unknown, args: { district?: string | null; from?: string | null; to?: string | null }, ctx: ComplaintsContext) {
    const code = optionalDistrict('district', args.district);
    dateOrder('from', args.from, 'to', args.to);
    const scope = ctx.scopes.summary;
    const { from, to } = checkedWindow(ctx.auth, { from: args.from ?? null, to: args.to ?? null }, { defaultWindow: true });
    const rows = await complaintStatistics(ctx.db, { district: code, from, to, scope });
    // A district asked for by name gets its row even when no ticket falls in the window, unless
    // it lies outside a district-level caller's own district: that one sees no other district.
    const visible = code && (scope.district === null || scope.district === code);
    const all = visible && rows.length === 0 ? [emptyStatisticsRow(code, scope)] : rows;
    return all.map((row) => ({ ...row, districtName: district(row.district)?.name ?? row.district }));
  },

  /** 相互比对: the district's complained-about operators, under the complaintSummary scope (as Operator.complaintSummary). */
  async complainedOperators(
    _: unknown,
    args: { district: string; from: string; to?: string | null; category?: TicketRow['category'] | null },
    ctx: ComplaintsContext,
  ) {
    const code = requireDistrict('district', args.district);
    dateOrder('from', args.from, 'to', args.to);
    const { to } = checkedWindow(ctx.auth, { from: args.from, to: args.to ?? null }, { defaultWindow: false });
    return complaintTallies(ctx.db, { district: code, from: args.from, to, category: args.category ?? null, scope: ctx.scopes.summary });
  },
};
