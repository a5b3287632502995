import { runSubgraph } from '@xiran/subgraph-kit';
import { readConfig } from './config';
import { connectEmissionsDatabase } from './db';
import { createEmissionsServer } from './server';

await runSubgraph({ config: readConfig(), connect: (c) => connectEmissionsDatabase(c.database), create: createEmissionsServer });
