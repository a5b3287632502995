import { readFileSync } from 'node:fs';
import { importCsv, type DatabaseTarget } from '@xiran/subgraph-kit';
import { connectRegistrationDatabase } from '@xiran/registration/db';
import { INTAKE, operatorsDataset } from '@xiran/registration/datasets';

/**
 * A process that imports operators the way the registration subgraph's `/internal/imports`
 * endpoint does (importCsv on its own database), for the test that kills it in the middle of its
 * transaction: `XIRAN_IMPORT_TARGET` (a DatabaseTarget as JSON), the file as the first argument.
 */
const target = JSON.parse(process.env.XIRAN_IMPORT_TARGET ?? 'null') as DatabaseTarget;
const database = await connectRegistrationDatabase(target);
const report = await importCsv(
  database.db,
  INTAKE.intake,
  operatorsDataset,
  { bytes: readFileSync(process.argv[2]!) },
  { sub: 'market-etl-job', agency: 'market', level: 'city', district: null },
  (stage, detail) => console.error(`[import] ${stage}: ${detail}`),
);
console.log(JSON.stringify({ accepted: report.accepted }));
await database.close();
