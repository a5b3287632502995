import { runSubgraph } from '@xiran/subgraph-kit';
import { readConfig } from './config';
import { connectRegistrationDatabase } from './db';
import { createRegistrationServer } from './server';

await runSubgraph({ config: readConfig(), connect: (c) => connectRegistrationDatabase(c.database), create: createRegistrationServer });
