import { runSubgraph } from '@xiran/subgraph-kit';
import { readConfig } from './config';
import { connectSocialInsuranceDatabase } from './db';
import { createSocialInsuranceServer } from './server';

await runSubgraph({ config: readConfig(), connect: (c) => connectSocialInsuranceDatabase(c.database), create: createSocialInsuranceServer });
