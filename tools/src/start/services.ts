import type { Database, DatabaseTarget, IntakeOptions, SeedOperator, SeedOptions, ServiceDatabase, SubgraphServer } from '@xiran/subgraph-kit';
import type { HttpSubgraphName } from '@xiran/schema';
import type { GatewayKeyPair } from '@xiran/auth';
import { connectRegistrationDatabase } from '@xiran/registration/db';
import { createRegistrationServer } from '@xiran/registration';
import { generateRegistrationSeed, insertRegistrationSeed } from '@xiran/registration/seed';
import { INTAKE as registrationIntake } from '@xiran/registration/datasets';
import { connectEmissionsDatabase } from '@xiran/emissions/db';
import { createEmissionsServer } from '@xiran/emissions';
import { generateEmissionsSeed, insertEmissionsSeed } from '@xiran/emissions/seed';
import { INTAKE as emissionsIntake } from '@xiran/emissions/datasets';
import { connectSocialInsuranceDatabase } from '@xiran/social-insurance/db';
import { createSocialInsuranceServer } from '@xiran/social-insurance';
import { generateSocialInsuranceSeed, insertSocialInsuranceSeed } from '@xiran/social-insurance/seed';
import { INTAKE as socialInsuranceIntake } from '@xiran/social-insurance/datasets';
import { connectComplaintsDatabase } from '@xiran/complaints/db';
import { createComplaintsServer } from '@xiran/complaints';
import { generateComplaintsSeed, insertComplaintsSeed } from '@xiran/complaints/seed';
import { INTAKE as complaintsIntake } from '@xiran/complaints/datasets';
import { connectAssociationDatabase } from '@xiran/association/db';
import { createAssociationServer } from '@xiran/association';
import { generateAssociationSeed, insertAssociationSeed } from '@xiran/association/seed';
import { INTAKE as associationIntake } from '@xiran/association/datasets';

/** What the stack, the seed and the cross-service tests need of each department's subgraph. */
export interface SubgraphModule {
  name: HttpSubgraphName;
  connect(target: DatabaseTarget): Promise<ServiceDatabase>;
  create(database: ServiceDatabase, gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>): SubgraphServer;
  /** Writes this department's part of the seed world, replacing what was there. */
  seed(db: Database, world: SeedOperator[], options: SeedOptions): Promise<void>;
  /** Its datasets and intake tables (the import CLI, the benchmarks). */
  intake: IntakeOptions;
}

export const SUBGRAPH_MODULES: readonly SubgraphModule[] = [
  {
    name: 'registration',
    intake: registrationIntake,
    connect: connectRegistrationDatabase,
    create: createRegistrationServer,
    // Registration makes the world; see seedWorld.
    seed: async () => {},
  },
  {
    name: 'emissions',
    intake: emissionsIntake,
    connect: connectEmissionsDatabase,
    create: createEmissionsServer,
    seed: (db, world, options) => insertEmissionsSeed(db, generateEmissionsSeed(world, options)),
  },
  {
    name: 'social-insurance',
    intake: socialInsuranceIntake,
    connect: connectSocialInsuranceDatabase,
    create: createSocialInsuranceServer,
    seed: (db, world, options) => insertSocialInsuranceSeed(db, generateSocialInsuranceSeed(world, options)),
  },
  {
    name: 'complaints',
    intake: complaintsIntake,
    connect: connectComplaintsDatabase,
    create: createComplaintsServer,
    seed: (db, world, options) => insertComplaintsSeed(db, generateComplaintsSeed(world, options)),
  },
  {
    name: 'association',
    intake: associationIntake,
    connect: connectAssociationDatabase,
    create: createAssociationServer,
    seed: (db, world, options) => insertAssociationSeed(db, generateAssociationSeed(world, options)),
  },
];

export { generateRegistrationSeed, insertRegistrationSeed };
