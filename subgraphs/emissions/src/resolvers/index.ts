import { scalarResolvers } from '@xiran/subgraph-kit';
import { DryCleaningMachine } from './DryCleaningMachine';
import { Operator } from './Operator';
import { Outlet } from './Outlet';
import { Query } from './Query';
import { SolventLedgerMonth } from './SolventLedgerMonth';

export const resolvers = { ...scalarResolvers, Query, Operator, Outlet, DryCleaningMachine, SolventLedgerMonth };
