import { scalarResolvers } from '@xiran/subgraph-kit';
import { InsuranceStatus } from './InsuranceStatus';
import { Operator } from './Operator';
import { Query } from './Query';

export const resolvers = { ...scalarResolvers, Query, Operator, InsuranceStatus };
