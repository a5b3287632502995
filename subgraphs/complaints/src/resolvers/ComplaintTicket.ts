import { requestedFields } from '@xiran/subgraph-kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { ComplaintsContext } from '../context';
import type { TicketRecord } from '../db/queries';

export const ComplaintTicket = {
  __resolveReference(reference: { id: string }, ctx: ComplaintsContext, info: GraphQLResolveInfo) {
    return ctx.loaders.ticket(requestedFields(info, 'ComplaintTicket')).load(reference.id);
  },
  /** A reference for the gateway to resolve (registration owns the operator's own fields). */
  operator: (ticket: TicketRecord) => (ticket.uscc ? { uscc: ticket.uscc } : null),
  async complainant(ticket: TicketRecord, _args: unknown, ctx: ComplaintsContext) {
    if (ticket.complainant !== undefined) return ticket.complainant;
    // Tickets listed under an operator come without it: all of them share one batched statement.
    return ctx.loaders.complainant([]).load(ticket.id);
  },
};
