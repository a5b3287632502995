import { parseArgs } from 'node:util';
import type { ServiceDatabase } from '@xiran/subgraph-kit';
import { localTargets } from '../start/local-targets';
import type { HttpSubgraphName } from '@xiran/schema';
import { SUBGRAPH_MODULES } from '../start/services';
import { seedWorld, today } from './seed-world';

/**
 * `npm run seed -- --operators N [--as-of YYYY-MM-DD]`: replaces every department's data with a
 * deterministic seed world. Uses DATABASE_URL when set, else the embedded store of `npm start`
 * (through the running stack's socket when it is up).
 */
const { values } = parseArgs({
  options: { operators: { type: 'string', default: '3000' }, 'as-of': { type: 'string' } },
  strict: true,
});
const operators = Number(values.operators);
if (!Number.isInteger(operators) || operators < 1 || operators > 200_000) {
  console.error('--operators must be a whole number from 1 to 200000');
  process.exit(2);
}
const asOf = values['as-of'] ?? today();
if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) {
  console.error('--as-of must be a date written YYYY-MM-DD');
  process.exit(2);
}

const local = await localTargets();

const databases = {} as Record<HttpSubgraphName, ServiceDatabase>;
try {
  for (const module of SUBGRAPH_MODULES) databases[module.name] = await module.connect(local.target(module.name));
  const started = Date.now();
  await seedWorld(Object.fromEntries(Object.entries(databases).map(([n, d]) => [n, d.db])) as never, {
    operators,
    asOf,
    log: (line) => console.log(line),
  });
  console.log(`Seeded ${operators} operators as of ${asOf} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} finally {
  for (const database of Object.values(databases)) await database.close();
  await local.close();
}
