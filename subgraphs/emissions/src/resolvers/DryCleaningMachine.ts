import type { MachineRow } from '../db/schema';

export const DryCleaningMachine = {
  operatorUscc: (machine: MachineRow) => machine.uscc,
};
