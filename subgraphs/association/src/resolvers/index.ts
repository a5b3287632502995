import { intakeResolvers, scalarResolvers } from '@xiran/subgraph-kit';
import { INTAKE } from '../datasets';
import { Lead } from './Lead';
import { Mutation } from './Mutation';
import { Operator } from './Operator';
import { Query } from './Query';

const intake = intakeResolvers(INTAKE);

export const resolvers = { ...scalarResolvers, ...intake, Query: { ...Query, ...intake.Query }, Mutation, Operator, Lead };
