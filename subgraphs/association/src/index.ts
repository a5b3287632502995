import { runSubgraph } from '@xiran/subgraph-kit';
import { readConfig } from './config';
import { connectAssociationDatabase } from './db';
import { createAssociationServer } from './server';

await runSubgraph({ config: readConfig(), connect: (c) => connectAssociationDatabase(c.database), create: createAssociationServer });
