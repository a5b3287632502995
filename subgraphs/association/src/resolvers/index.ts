import { intakeResolvers, scalarResolvers } from '@xiran/subgraph-kit';
import type { AssociationContext } from '../context';
import { INTAKE } from '../datasets';
import { leadChangePage } from '../db/lead-changes';
import { Lead } from './Lead';
import { Mutation } from './Mutation';
import { Operator } from './Operator';
import { Query } from './Query';

const intake = intakeResolvers(INTAKE);

/** The kit's change feed, but leads' changes within the lead scope (a reporter sees its own leads' changes). */
const ChangeFeed = {
  ...intake.ChangeFeed,
  leads: (feed: { since: string }, args: { first?: number | null; after?: string | null }, ctx: AssociationContext) =>
    leadChangePage(ctx.db, ctx.scopes.leads, { ...args, since: feed.since }),
};

export const resolvers = { ...scalarResolvers, ...intake, Query: { ...Query, ...intake.Query }, ChangeFeed, Mutation, Operator, Lead };
