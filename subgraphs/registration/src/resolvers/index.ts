import { intakeResolvers, scalarResolvers } from '@xiran/subgraph-kit';
import { Mutation, INTAKE } from './Mutation';
import { Operator } from './Operator';
import { Outlet } from './Outlet';
import { Query } from './Query';

const intake = intakeResolvers(INTAKE);

export const resolvers = { ...scalarResolvers, ...intake, Query: { ...Query, ...intake.Query }, Mutation, Operator, Outlet };
