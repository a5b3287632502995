import { scalarResolvers } from '@xiran/subgraph-kit';
import { ComplaintTicket } from './ComplaintTicket';
import { Operator } from './Operator';
import { Query } from './Query';

export const resolvers = { ...scalarResolvers, Query, Operator, ComplaintTicket };
