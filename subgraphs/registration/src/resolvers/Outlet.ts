import type { RegistrationContext } from '../context';
import type { OutletRow } from '../db/schema';

export const Outlet = {
  __resolveReference(reference: { id: string }, ctx: RegistrationContext) {
    return ctx.loaders.outlet([]).load(reference.id);
  },
  operatorUscc: (outlet: OutletRow) => outlet.uscc,
  location: (outlet: OutletRow) => ({ lng: outlet.lng, lat: outlet.lat }),
};
