import type { Database, DatabaseTarget, SeedOperator, SeedOptions, ServiceDatabase, SubgraphServer } from '@xiran/subgraph-kit';
import type { HttpSubgraphName } from '@xiran/schema';
import type { GatewayKeyPair } from '@xiran/auth';
import { connectRegistrationDatabase } from '@xiran/registration/db';
import { createRegistrationServer } from '@xiran/registration';
import { generateRegistrationSeed, insertRegistrationSeed } from '@xiran/registration/seed';
import { connectEmissionsDatabase } from '@xiran/emissions/db';
import { createEmissionsServer } from '@xiran/emissions';
import { generateEmissionsSeed, insertEmissionsSeed } from '@xiran/emissions/seed';
import { connectSocialInsuranceDatabase } from '@xiran/social-insurance/db';
import { createSocialInsuranceServer } from '@xiran/social-insurance';
import { generateSocialInsuranceSeed, insertSocialInsuranceSeed } from '@xiran/social-insurance/seed';
import { connectComplaintsDatabase } from '@xiran/complaints/db';
import { createComplaintsServer } from '@xiran/complaints';
import { generateComplaintsSeed, insertComplaintsSeed } from '@xiran/complaints/seed';
import { connectAssociationDatabase } from '@xiran/association/db';
import { createAssociationServer } from '@xiran/association';
import { generateAssociationSeed, insertAssociationSeed } from '@xiran/association/seed';

/** What the stack, the seed and the cross-service tests need of each department's subgraph. */
export interface SubgraphModule {
  name: HttpSubgraphName;
  connect(target: DatabaseTarget): Promise<ServiceDatabase>;
  create(database: ServiceDatabase, gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>): SubgraphServer;
  /** Writes this department's part of the seed world, replacing what was there. */
  seed(db: Database, world: SeedOperator[], options: SeedOptions): Promise<void>;
}

export const SUBGRAPH_MODULES: readonly SubgraphModule[] = [
  {
    name: 'registration',
    connect: connectRegistrationDatabase,
    create: createRegistrationServer,
    // Registration makes the world; see seedWorld.
    seed: async () => {},
  },
  {
    name: 'emissions',
    connect: connectEmissionsDatabase,
    create: createEmissionsServer,
    seed: (db, world, options) => insertEmissionsSeed(db, generateEmissionsSeed(world, options)),
  },
  {
    name: 'social-insurance',
    connect: connectSocialInsuranceDatabase,
    create: createSocialInsuranceServer,
    seed: (db, world, options) => insertSocialInsuranceSeed(db, generateSocialInsuranceSeed(world, options)),
  },
  {
    name: 'complaints',
    connect: connectComplaintsDatabase,
    create: createComplaintsServer,
    seed: (db, world, options) => insertComplaintsSeed(db, generateComplaintsSeed(world, options)),
  },
  {
    name: 'association',
    connect: connectAssociationDatabase,
    create: createAssociationServer,
    seed: (db, world, options) => insertAssociationSeed(db, generateAssociationSeed(world, options)),
  },
];

export { generateRegistrationSeed, insertRegistrationSeed };
