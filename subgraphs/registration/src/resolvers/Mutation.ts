import type { GraphQLResolveInfo } from 'graphql';
import { importResolver, requestedFields, uploadRecords, writerOf } from '@xiran/subgraph-kit';
import type { RegistrationContext } from '../context';
import { INTAKE, operatorsDataset, outletsDataset } from '../datasets';

interface GeoPointInput {
  lng: number;
  lat: number;
}
interface OutletFields {
  id: string;
  name: string;
  type: string;
  address: string;
  district: string;
  location: GeoPointInput;
  services: string[];
  opened: string;
  status: string;
}

/** An outlet input as the outlets dataset names its columns. */
function outletRecord(uscc: string, { location, ...outlet }: OutletFields) {
  return { ...outlet, uscc, lng: location.lng, lat: location.lat };
}

export const Mutation = {
  async upsertOperator(_: unknown, args: { input: Record<string, unknown> & { uscc: string; outlets?: OutletFields[] | null } }, ctx: RegistrationContext, info: GraphQLResolveInfo) {
    const { outlets, ...operator } = args.input;
    const writer = writerOf(ctx.auth);
    // One transaction: the operator and its outlets are registered together or not at all.
    await ctx.db.transaction(async (tx) => {
      await uploadRecords(tx, INTAKE.intake, operatorsDataset, [operator], writer);
      if (outlets?.length) await uploadRecords(tx, INTAKE.intake, outletsDataset, outlets.map((o) => outletRecord(operator.uscc, o)), writer, 'input.outlets');
    });
    return ctx.loaders.operator(requestedFields(info, 'Operator')).load(operator.uscc.toUpperCase());
  },

  async upsertOutlet(_: unknown, args: { input: OutletFields & { operatorUscc: string } }, ctx: RegistrationContext) {
    const { operatorUscc, ...outlet } = args.input;
    await uploadRecords(ctx.db, INTAKE.intake, outletsDataset, [outletRecord(operatorUscc, outlet)], writerOf(ctx.auth));
    return ctx.loaders.outlet([]).load(outlet.id);
  },

  importRegistrationData: importResolver(INTAKE),
};
