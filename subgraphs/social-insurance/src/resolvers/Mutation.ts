import { importResolver, uploadRecords, writerOf } from '@xiran/subgraph-kit';
import type { SocialInsuranceContext } from '../context';
import { insuranceStatusDataset, insuredHeadcountDataset, INTAKE } from '../datasets';


/** Each input names exactly the columns of its dataset (no person-level field exists to pass). */
type RecordInput = Record<string, unknown>;

export const Mutation = {
  async setInsuranceStatus(_: unknown, args: { input: RecordInput }, ctx: SocialInsuranceContext) {
    const { records } = await uploadRecords(ctx.db, INTAKE.intake, insuranceStatusDataset, [args.input], writerOf(ctx.auth));
    const { uscc, type } = records[0]! as { uscc: string; type: string };
    // Read back through the loader, so the caller's row scope applies to what it is shown.
    const unit = await ctx.loaders.operator(['socialInsuranceStatus']).load(uscc);
    return unit?.socialInsuranceStatus?.insurances.find((insurance) => insurance.type === type) ?? null;
  },

  async setInsuredHeadcount(_: unknown, args: { input: RecordInput }, ctx: SocialInsuranceContext) {
    const { records } = await uploadRecords(ctx.db, INTAKE.intake, insuredHeadcountDataset, [args.input], writerOf(ctx.auth));
    const { uscc } = records[0]! as { uscc: string };
    const unit = await ctx.loaders.operator(['insuredHeadcount']).load(uscc);
    return unit?.insuredHeadcount ?? null;
  },

  importSocialInsuranceData: importResolver(INTAKE),
};
