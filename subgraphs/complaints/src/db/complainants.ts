import { sql } from 'drizzle-orm';
import { badUserInput } from '@xiran/common';
import type { Database } from '@xiran/subgraph-kit';
import { normalizePhone } from '../phone';
import { complainants, tickets } from './schema';

/** The complainant as openComplaint takes it. */
export interface ComplainantInput {
  name: string;
  phone: string;
  address?: string | null;
}

/** A validated complainant: trimmed, the phone in its stored form. */
export interface ComplainantFields {
  name: string;
  phone: string;
  address: string | null;
}

const NAME_MAX = 100;
const ADDRESS_MAX = 300;

/** Validates a complainant before anything is written; a problem is a BAD_USER_INPUT naming `<field>.<key>`. */
export function validateComplainant(input: ComplainantInput, field = 'input.complainant'): ComplainantFields {
  const name = input.name.trim();
  if (!name) throw badUserInput(`${field}.name`, 'is required');
  if (name.length > NAME_MAX) throw badUserInput(`${field}.name`, `must be at most ${NAME_MAX} characters`);
  const phone = normalizePhone(input.phone);
  if (!phone) throw badUserInput(`${field}.phone`, `${JSON.stringify(input.phone)} is not a phone number: a mobile (1[3-9] and 9 digits) or a landline with its area code (0571-87654321)`);
  const address = input.address?.trim() || null;
  if (address && address.length > ADDRESS_MAX) throw badUserInput(`${field}.address`, `must be at most ${ADDRESS_MAX} characters`);
  return { name, phone, address };
}

/** Writes the complainant of a ticket just opened, in the caller's transaction (the ticket's own). */
export async function insertComplainant(
  tx: Database,
  ticket: { id: string; uscc: string | null; district: string },
  complainant: ComplainantFields,
  source: string,
): Promise<void> {
  await tx.insert(complainants).values({ ticketId: ticket.id, uscc: ticket.uscc, district: ticket.district, ...complainant, source });
}

/**
 * Complainants carry copies of their ticket's uscc and district so that row scopes apply without a
 * join; an import that corrects a ticket's operator or district must carry the change over, or a
 * district reader would see (or miss) the complainant by the old district. Compares the whole
 * table, so a run that failed is made good by the next.
 */
export async function syncComplainantCopies(db: Database): Promise<number> {
  const result = await db.execute(sql`
    update ${complainants} c set uscc = t.uscc, district = t.district, updated_at = now()
    from ${tickets} t
    where t.id = c.ticket_id and (c.uscc is distinct from t.uscc or c.district <> t.district)`);
  return result.rowCount ?? 0;
}
