import { intakeResolvers, scalarResolvers } from '@xiran/subgraph-kit';
import { ComplaintTally } from './ComplaintTally';
import { ComplaintTicket } from './ComplaintTicket';
import { INTAKE } from '../datasets';
import { Mutation } from './Mutation';
import { Operator } from './Operator';
import { Query } from './Query';

const intake = intakeResolvers(INTAKE);

export const resolvers = { ...scalarResolvers, ...intake, Query: { ...Query, ...intake.Query }, Mutation, Operator, ComplaintTicket, ComplaintTally };
