import { scalarResolvers } from '@xiran/subgraph-kit';
import { Operator } from './Operator';
import { Outlet } from './Outlet';
import { Query } from './Query';

export const resolvers = { ...scalarResolvers, Query, Operator, Outlet };
