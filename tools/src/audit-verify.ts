import { parseArgs } from 'node:util';
import { loadGatewayKeys } from '@xiran/auth';
import { AuditTrail, checkpointIntervalMs, verifyAuditChain } from '@xiran/gateway/audit';
import { resolve } from 'node:path';
import { dataDir, openEmbeddedStore, readServiceConfig } from '@xiran/subgraph-kit';
import { connectGatewayDatabase } from '@xiran/gateway/database';

/**
 * `npm run audit:verify` walks the audit chain and its signed checkpoints (their signatures checked
 * with the gateway's public key), names the first broken entry or checkpoint and exits 1 when
 * broken. It also fails when the oldest entry after the last checkpoint is older than two
 * checkpoint intervals (`--checkpoint-interval <seconds>`, default AUDIT_CHECKPOINT_SECONDS or 60,
 * as the gateway): the checkpoints stopped. `--checkpoint` first signs the current head (on demand).
 * Uses the gateway's database (GATEWAY_DATABASE_URL, DATABASE_URL, or the embedded store).
 */
const { values } = parseArgs({
  options: { checkpoint: { type: 'boolean', default: false }, 'checkpoint-interval': { type: 'string' } },
  strict: true,
});
const intervalMs = values['checkpoint-interval'] ? checkpointIntervalMs({ AUDIT_CHECKPOINT_SECONDS: values['checkpoint-interval'] }) : checkpointIntervalMs();
// The store `npm start` uses when no database is configured (through its socket while it runs).
const env = process.env;
const embedded = env.GATEWAY_DATABASE_URL || env.DATABASE_URL ? null : await openEmbeddedStore(resolve(dataDir(env), 'pglite'));
const database = await connectGatewayDatabase(embedded ? { kind: 'url', url: embedded.url, embedded: true } : readServiceConfig('gateway', 0).database);
try {
  const keys = await loadGatewayKeys(process.env, { needPrivate: values.checkpoint });
  if (values.checkpoint) {
    const head = await new AuditTrail(database.db).checkpoint(keys);
    console.log(head ? `Checkpoint signed at entry ${head.seq} (${head.hash}).` : 'The trail is empty: nothing to sign.');
  }
  const result = await verifyAuditChain(database.db, keys.publicKey, { maxUncheckpointedMs: 2 * intervalMs });
  if (result.ok) {
    console.log(
      `Audit chain intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints, ${result.entriesAfterLastCheckpoint} entries after the last checkpoint, head ${result.head.hash}.`,
    );
  } else {
    console.error(`Audit chain BROKEN at entry ${result.seq}: ${result.reason}.`);
    process.exitCode = 1;
  }
} finally {
  await database.close();
  await embedded?.close();
}
