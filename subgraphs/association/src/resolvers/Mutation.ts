import { eq, sql } from 'drizzle-orm';
import { GraphQLError } from 'graphql';
import { GROUP_IDS, type GroupId } from '@xiran/auth';
import { badUserInput, forbidden } from '@xiran/common';
import { importResolver, outsideDistrict, parseValue, patchRecord, todayInShanghai, uploadRecords, writerOf, type ImportInputArgs, type Writer } from '@xiran/subgraph-kit';
import type { AssociationContext } from '../context';
import { INTAKE, leadsDataset, membershipsDataset } from '../datasets';
import { insertLeadEvent } from '../db/lead-history';
import { leadCondition } from '../db/lead-scope';
import { leads, memberships, type CreditGradeValue, type LeadRow, type LeadStatus, type MembershipRow } from '../db/schema';
import { reportGroups } from '../lead-groups';
import { newLeadId, routeLead } from '../lead-routing';
import { assertHandler, assertLeadTransition } from '../lead-workflow';
import { memberNumberError } from '../member-numbers';

// No memberScope: the association owns the membership list, so it keeps no replicated copy.

interface MembershipInput {
  uscc: string;
  district: string;
  memberNumber: string;
  name?: string | null;
  since: string;
  status: MembershipRow['status'];
  grade?: CreditGradeValue | null;
  gradeValidFrom?: string | null;
  gradeValidTo?: string | null;
}

interface CreditGradeInput {
  uscc: string;
  grade: CreditGradeValue;
  validFrom: string;
  validTo: string;
}

interface LeadInput {
  uscc: string;
  district: string;
  type: LeadRow['type'];
  facts: string;
  evidence: string;
  groups?: string[] | null;
  reportedOn?: string | null;
}

interface LeadActionInput {
  id: string;
  note?: string | null;
}

interface CloseLeadInput extends LeadActionInput {
  feedback: string;
}

/** The longest note on a step, and the longest 处理结果 (the leads dataset's limit on feedback). */
const NOTE_MAX = 2000;
const FEEDBACK_MAX = 2000;

/** A step's note: trimmed, null when blank. */
function noteOf(note: string | null | undefined): string | null {
  const text = note?.trim() ?? '';
  if (text.length > NOTE_MAX) throw badUserInput('input.note', `must be at most ${NOTE_MAX} characters`);
  return text || null;
}

/**
 * patchRecord holds a district-level writer to the operator's registered district; a handler's
 * district is the one the lead is routed to, already checked (assertHandler). For a lead routed to
 * another branch than the operator's district the kit's check does not apply.
 */
function patchWriter(writer: Writer, lead: Pick<LeadRow, 'district'>): Writer {
  return writer.district && lead.district !== writer.district ? { ...writer, district: null } : writer;
}

/**
 * Moves a lead to `to` with `patch` over it, as the regulator it is routed to, in one transaction:
 * the row is locked first, so of two handlers acting at once the second sees the first's move
 * (and is refused) rather than a stale status; then scope, handler and workflow are checked, the
 * lead is patched through the intake (change log, batch) and the step recorded with its actor.
 */
async function moveLead(ctx: AssociationContext, input: LeadActionInput, to: LeadStatus, patch: Record<string, unknown> = {}): Promise<string> {
  const writer = writerOf(ctx.auth);
  const id = String(input.id).trim();
  const note = noteOf(input.note);
  await ctx.db.transaction(async (tx) => {
    const [current] = await tx
      .select({
        status: leads.status,
        district: leads.district,
        routedAgency: leads.routedAgency,
        routedDistrict: leads.routedDistrict,
        visible: sql<boolean>`${leadCondition(ctx.scopes.leads)}`,
      })
      .from(leads)
      .where(eq(leads.id, id))
      .for('update');
    // A lead outside the caller's scope answers as one that does not exist: its existence stays unknown.
    if (!current || !current.visible) throw badUserInput('input.id', `no lead ${id}`);
    assertHandler(id, current, writer);
    assertLeadTransition(id, current.status, to);
    await patchRecord(tx, INTAKE.intake, leadsDataset, { id }, { ...patch, status: to }, patchWriter(writer, current));
    await insertLeadEvent(tx, { leadId: id, at: new Date().toISOString(), action: to, fromStatus: current.status, actor: writer, note });
  });
  return id;
}

/**
 * The groups a report names besides its agency's own: known ones, each held by the reporter (a
 * lead cites only data its reporter may read; AGGREGATE is statistics, not a record to cite).
 */
function citedGroups(named: readonly string[], auth: AssociationContext['auth']): GroupId[] {
  return named.map((group, i) => {
    if (!GROUP_IDS.includes(group as GroupId)) throw badUserInput(`input.groups[${i}]`, `${JSON.stringify(group)} is not a field group`);
    const scope = auth.grants.get(group as GroupId)?.scope;
    if (!scope || scope === 'AGGREGATE') throw forbidden(`A lead cites only data its reporter may read: you hold no grant of ${group} that opens its records.`, { field: `input.groups[${i}]`, group });
    return group as GroupId;
  });
}

/** The memberships dataset's grade columns, as CreditGradeInput names them. */
const GRADE_FIELDS: Record<string, string> = { 'input.gradeValidFrom': 'input.validFrom', 'input.gradeValidTo': 'input.validTo' };

/** The same error with the dataset's column names replaced by the input's field names. */
function inInputTerms(error: unknown, names: Record<string, string>): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const rename = (text: string) => Object.entries(names).reduce((t, [from, to]) => t.replaceAll(from, to), text);
  const extensions = JSON.parse(rename(JSON.stringify(error.extensions))) as Record<string, unknown>;
  return new GraphQLError(rename(error.message), { extensions });
}

const importFile = importResolver(INTAKE);

export const Mutation = {
  async recordMembership(_: unknown, args: { input: MembershipInput }, ctx: AssociationContext) {
    const { input } = args;
    const uscc = String(input.uscc).trim().toUpperCase();
    const writer = writerOf(ctx.auth);
    try {
      await ctx.db.transaction(async (tx) => {
        // Omitting every grade field keeps the stored grade: a change of status is not a re-rating.
        // Omitting the name keeps the stored one likewise.
        const gradeGiven = input.grade !== undefined || input.gradeValidFrom !== undefined || input.gradeValidTo !== undefined;
        const [stored] = await tx
          .select({ name: memberships.name, grade: memberships.grade, gradeValidFrom: memberships.gradeValidFrom, gradeValidTo: memberships.gradeValidTo })
          .from(memberships)
          .where(eq(memberships.uscc, uscc))
          .limit(1);
        const { name, ...grade } = stored ?? { name: null };
        const kept = { ...(gradeGiven ? {} : grade), ...(input.name === undefined ? { name } : {}) };
        await uploadRecords(tx, INTAKE.intake, membershipsDataset, [{ ...input, ...kept }], writer);
      });
    } catch (error) {
      throw memberNumberError(error, 'input.memberNumber');
    }
    return (await ctx.loaders.operator(['membership']).load(uscc))?.membership;
  },

  async recordCreditGrade(_: unknown, args: { input: CreditGradeInput }, ctx: AssociationContext) {
    const { input } = args;
    const uscc = String(input.uscc).trim().toUpperCase();
    const writer = writerOf(ctx.auth);
    const [member] = await ctx.db
      .select({ district: memberships.district, status: memberships.status, present: memberships.present })
      .from(memberships)
      .where(eq(memberships.uscc, uscc))
      .limit(1);
    // Checked first so that another district's members stay opaque to a district uploader, even
    // whether they are members (the same refusal as for no membership at all).
    if (writer.district && member?.district !== writer.district) throw outsideDistrict('input.uscc');
    if (!member) throw badUserInput('input.uscc', `${uscc} is not a member of the association: record the membership first`);
    // The association rates its members: not one that has left, nor one its last member list left out.
    if (member.status === 'LAPSED') throw badUserInput('input.uscc', `${uscc}'s membership has lapsed (退会): only members are rated`);
    if (!member.present) throw badUserInput('input.uscc', `${uscc} is not on the association's current member list: record the membership first`);
    try {
      await patchRecord(ctx.db, INTAKE.intake, membershipsDataset, { uscc }, { grade: input.grade, gradeValidFrom: input.validFrom, gradeValidTo: input.validTo }, writer);
    } catch (error) {
      throw inInputTerms(error, GRADE_FIELDS);
    }
    return (await ctx.loaders.operator(['creditGrade']).load(uscc))?.creditGrade;
  },

  async reportLead(_: unknown, args: { input: LeadInput }, ctx: AssociationContext) {
    const { reportedOn: given, groups: named, ...input } = args.input;
    const cited = citedGroups(named ?? [], ctx.auth);
    // The day reported decides the deadline, so it is validated before the lead is routed.
    const reportedOnColumn = leadsDataset.columns.find((c) => c.key === 'reportedOn')!;
    const reportedOn = parseValue(reportedOnColumn, given ?? todayInShanghai());
    if (!reportedOn.ok) throw badUserInput('input.reportedOn', reportedOn.reason);
    const day = String(reportedOn.value);
    const id = newLeadId(day);
    const lead = { id, ...input, reportedOn: day, ...routeLead({ type: input.type, district: input.district, reportedOn: day }), feedback: null, feedbackOn: null };
    // Any agency may report (联动); a district-level reporter only about its own district's operators
    // (uploadRecords refuses another input.district as FORBIDDEN).
    const writer = writerOf(ctx.auth);
    await ctx.db.transaction(async (tx) => {
      const { batch } = await uploadRecords(tx, INTAKE.intake, leadsDataset, [lead], writer);
      // A fresh random id that is already taken would overwrite another lead: refuse (and roll back).
      if (batch.newRows === 0) throw badUserInput('input', `the new lead's id ${id} was drawn twice; report the lead again`);
      // The reporter and the groups cited are not dataset columns, so that no upload or import ever
      // rewrites them: set once, here.
      const groups = reportGroups(writer.agency, input.type, cited);
      await tx.update(leads).set({ reportedByAgency: writer.agency, reportedBySub: writer.sub, groups }).where(eq(leads.id, id));
      await insertLeadEvent(tx, { leadId: id, at: new Date().toISOString(), action: 'REPORTED', fromStatus: null, actor: writer, note: null });
    });
    return ctx.loaders.lead([]).load(id);
  },

  async acceptLead(_: unknown, args: { input: LeadActionInput }, ctx: AssociationContext) {
    return ctx.loaders.lead([]).load(await moveLead(ctx, args.input, 'ACCEPTED'));
  },

  async startLeadInvestigation(_: unknown, args: { input: LeadActionInput }, ctx: AssociationContext) {
    return ctx.loaders.lead([]).load(await moveLead(ctx, args.input, 'INVESTIGATING'));
  },

  async closeLead(_: unknown, args: { input: CloseLeadInput }, ctx: AssociationContext) {
    const feedback = String(args.input.feedback ?? '').trim();
    if (!feedback) throw badUserInput('input.feedback', 'is required: the result of handling the lead (处理结果)');
    if (feedback.length > FEEDBACK_MAX) throw badUserInput('input.feedback', `must be at most ${FEEDBACK_MAX} characters`);
    // 反馈日期: the day the regulator answers, today in Asia/Shanghai.
    return ctx.loaders.lead([]).load(await moveLead(ctx, args.input, 'CLOSED', { feedback, feedbackOn: ctx.today }));
  },

  async importAssociationData(parent: unknown, args: { input: ImportInputArgs }, ctx: AssociationContext) {
    let report: Awaited<ReturnType<typeof importFile>>;
    try {
      report = await importFile(parent, args, ctx);
    } catch (error) {
      throw memberNumberError(error, 'input.contentBase64');
    }
    return report;
  },
};
