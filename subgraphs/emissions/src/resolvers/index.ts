import { intakeResolvers, scalarResolvers } from '@xiran/subgraph-kit';
import { INTAKE } from '../datasets';
import { DryCleaningMachine } from './DryCleaningMachine';
import { EmissionSummary } from './EmissionSummary';
import { Mutation } from './Mutation';
import { Operator } from './Operator';
import { Outlet } from './Outlet';
import { Query } from './Query';
import { SolventLedgerMonth } from './SolventLedgerMonth';
import { SolventUse } from './SolventUse';

const intake = intakeResolvers(INTAKE);

export const resolvers = { ...scalarResolvers, ...intake, Query: { ...Query, ...intake.Query }, Mutation, Operator, Outlet, EmissionSummary, DryCleaningMachine, SolventLedgerMonth, SolventUse };
