import { runSubgraph } from '@xiran/subgraph-kit';
import { readConfig } from './config';
import { connectComplaintsDatabase } from './db';
import { createComplaintsServer } from './server';

await runSubgraph({ config: readConfig(), connect: (c) => connectComplaintsDatabase(c.database), create: createComplaintsServer });
