import { scalarResolvers } from '@xiran/subgraph-kit';
import { Lead } from './Lead';
import { Operator } from './Operator';
import { Query } from './Query';

export const resolvers = { ...scalarResolvers, Query, Operator, Lead };
