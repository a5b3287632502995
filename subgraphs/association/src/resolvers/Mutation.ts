import { eq } from 'drizzle-orm';
import { GraphQLError } from 'graphql';
import { badUserInput, forbidden } from '@xiran/auth';
import { importResolver, parseValue, patchRecord, uploadRecords, writerOf, type ImportInputArgs } from '@xiran/subgraph-kit';
import type { AssociationContext } from '../context';
import { INTAKE, leadsDataset, membershipsDataset } from '../datasets';
import { memberships, type CreditGradeValue, type LeadRow, type MembershipRow } from '../db/schema';
import { newLeadId, routeLead, todayInShanghai } from '../lead-routing';
import { memberNumberError } from '../member-numbers';

// No memberScope: the association owns the membership list, so it keeps no replicated copy.

interface MembershipInput {
  uscc: string;
  district: string;
  memberNumber: string;
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
  reportedOn?: string | null;
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
        const gradeGiven = input.grade !== undefined || input.gradeValidFrom !== undefined || input.gradeValidTo !== undefined;
        const [stored] = gradeGiven
          ? []
          : await tx
              .select({ grade: memberships.grade, gradeValidFrom: memberships.gradeValidFrom, gradeValidTo: memberships.gradeValidTo })
              .from(memberships)
              .where(eq(memberships.uscc, uscc))
              .limit(1);
        await uploadRecords(tx, INTAKE.intake, membershipsDataset, [{ ...input, ...stored }], writer);
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
    if (!member) throw badUserInput('input.uscc', `${uscc} is not a member of the association: record the membership first`);
    // Checked before the status so that another district's members stay opaque to a district uploader.
    if (writer.district && member.district !== writer.district) {
      throw forbidden(`A ${writer.district} uploader writes only records of its own district.`, { field: 'input.uscc' });
    }
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
    const { reportedOn: given, ...input } = args.input;
    // The day reported decides the deadline, so it is validated before the lead is routed.
    const reportedOnColumn = leadsDataset.columns.find((c) => c.key === 'reportedOn')!;
    const reportedOn = parseValue(reportedOnColumn, given ?? todayInShanghai());
    if (!reportedOn.ok) throw badUserInput('input.reportedOn', reportedOn.reason);
    const day = String(reportedOn.value);
    const id = newLeadId(day);
    const lead = { id, ...input, reportedOn: day, ...routeLead({ type: input.type, district: input.district, reportedOn: day }), feedback: null, feedbackOn: null };
    await uploadRecords(ctx.db, INTAKE.intake, leadsDataset, [lead], writerOf(ctx.auth));
    return ctx.loaders.lead([]).load(id);
  },

  async importAssociationData(parent: unknown, args: { input: ImportInputArgs }, ctx: AssociationContext) {
    try {
      return await importFile(parent, args, ctx);
    } catch (error) {
      throw memberNumberError(error, 'input.contentBase64');
    }
  },
};
