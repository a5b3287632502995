import { importResolver, uploadRecords, writerOf, type DatasetDefinition, type ParsedValue } from '@xiran/subgraph-kit';
import type { EmissionsContext } from '../context';
import { INTAKE, inspectionsDataset, machinesDataset, penaltiesDataset, permitsDataset, solventLedgerDataset } from '../datasets';
import { ledgerKey } from '../db/queries';

type Input = { input: Record<string, unknown> };

/** Validates and writes one record (its own transaction, batch and change-log entry); the record as stored. */
async function record(ctx: EmissionsContext, dataset: DatasetDefinition, input: Record<string, unknown>): Promise<Record<string, ParsedValue>> {
  const { records } = await uploadRecords(ctx.db, INTAKE.intake, dataset, [input], writerOf(ctx.auth));
  return records[0]!;
}

/**
 * 即时上传: one record per call. Each answer is read back through the loaders, so the caller sees
 * what it wrote under its own row scope, exactly as `Operator.<part>` would show it.
 */
export const Mutation = {
  async recordMachine(_: unknown, args: Input, ctx: EmissionsContext) {
    const written = await record(ctx, machinesDataset, args.input);
    return ctx.loaders.machine([]).load(String(written.id));
  },

  async recordPermit(_: unknown, args: Input, ctx: EmissionsContext) {
    const written = await record(ctx, permitsDataset, args.input);
    return ctx.loaders.permit([]).load(String(written.id));
  },

  async recordInspection(_: unknown, args: Input, ctx: EmissionsContext) {
    const written = await record(ctx, inspectionsDataset, args.input);
    return ctx.loaders.inspection([]).load(String(written.id));
  },

  async recordLedgerMonth(_: unknown, args: Input, ctx: EmissionsContext) {
    const written = await record(ctx, solventLedgerDataset, args.input);
    return ctx.loaders.ledgerMonth([]).load(ledgerKey({ uscc: String(written.uscc), month: String(written.month), solvent: String(written.solvent) }));
  },

  async recordPenalty(_: unknown, args: Input, ctx: EmissionsContext) {
    const written = await record(ctx, penaltiesDataset, args.input);
    return ctx.loaders.penalty([]).load(String(written.id));
  },

  importEmissionsData: importResolver(INTAKE),
};
