import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCallerKeys, mayWrite, TokenRejected, verifyCallerToken, WRITE_OPERATIONS, type Principal } from '@xiran/auth';
import { isDistrictCode } from '@xiran/common';
import { AuditTrail } from '@xiran/gateway/audit';
import { connectGatewayDatabase } from '@xiran/gateway/database';
import { importCsv, isMassAbsent, type CsvEncoding, type ImportReport, type Writer } from '@xiran/subgraph-kit';
import { localTargets } from '../start/local-targets';
import { SUBGRAPH_MODULES } from '../start/services';

/**
 * `npm run import -- --dataset <name> --file <path.csv> [--dry-run]`: 定期更新 from the command
 * line, for the scheduled jobs of each department (cron, an ETL tool). The same all-or-nothing
 * import as the GraphQL mutation, run as the caller whose token it is given (`--token` or
 * XIRAN_TOKEN, verified like the gateway verifies a bearer token; never a name typed on the
 * command line): an uploader of the dataset's owning agency, a district-level one only in its
 * district. Traced like a write through the gateway: a WRITE_INTENT entry is committed before the
 * import's transaction (none, no import), and its outcome after it. Exit 0: imported (or, dry run,
 * would be); 1: rejected, nothing written; 2: usage, or no valid token; 3: the audit trail is
 * unavailable, nothing written.
 */
const USAGE = 'usage: npm run import -- --dataset <name> --file <path.csv> [--token <JWT> | XIRAN_TOKEN=<JWT>] [--dry-run] [--allow-mass-absent] [--encoding AUTO|UTF8|GB18030] [--json]';
const datasets = SUBGRAPH_MODULES.flatMap((module) => module.intake.datasets.map((dataset) => ({ module, dataset })));

function fail(message: string): never {
  console.error(`${message}\n${USAGE}\ndatasets: ${datasets.map((d) => d.dataset.name).join(', ')}`);
  process.exit(2);
}

let values: ReturnType<typeof parse>['values'];
function parse() {
  return parseArgs({
    options: {
      dataset: { type: 'string' },
      file: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'allow-mass-absent': { type: 'boolean', default: false },
      encoding: { type: 'string', default: 'AUTO' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
}
try {
  values = parse().values;
} catch (error) {
  fail((error as Error).message);
}
const found = datasets.find((d) => d.dataset.name === values.dataset);
if (!values.dataset || !found) fail(values.dataset ? `unknown dataset ${values.dataset}` : '--dataset is required');
if (!values.file) fail('--file is required');
if (!['AUTO', 'UTF8', 'GB18030'].includes(values.encoding!)) fail('--encoding must be AUTO, UTF8 or GB18030');
let bytes: Buffer;
try {
  bytes = readFileSync(values.file);
} catch (error) {
  fail(`cannot read ${values.file}: ${(error as Error).message}`);
}

const { module, dataset } = found;
const token = values.token ?? process.env.XIRAN_TOKEN;
if (!token) fail('a caller token is required: --token <JWT> or XIRAN_TOKEN (`npm run token -- --agency <owner> --roles uploader` prints a dev one)');
let principal: Principal;
try {
  principal = await verifyCallerToken(token, await loadCallerKeys(), isDistrictCode);
} catch (error) {
  fail(`the token was refused: ${error instanceof TokenRejected ? error.message : 'invalid'}`);
}
// The catalogue's rule for the import mutation of this dataset's subgraph, as at the gateway.
const write = WRITE_OPERATIONS.find((w) => w.subgraph === module.name && w.coordinate.startsWith('Mutation.import'));
if (!write || !mayWrite(write, principal)) fail(`${principal.sub} (${principal.agency}, roles ${principal.roles.join(', ')}) may not import ${dataset.name}: only ${dataset.department}'s uploaders may`);
const writer: Writer = { sub: principal.sub, agency: principal.agency, level: principal.level, district: principal.district };
const local = await localTargets();
const database = await module.connect(local.target(module.name));
const gateway = await connectGatewayDatabase(local.target('gateway'));
let report: ImportReport | undefined;
/** Set when a snapshot would empty most of the dataset: refused, nothing written (exit 1). */
let refusal: string | undefined;
try {
  const audit = new AuditTrail(gateway.db);
  const requestId = randomUUID();
  const traced = {
    requestId,
    sub: writer.sub,
    agency: writer.agency,
    level: writer.level,
    district: writer.district,
    operationName: `npm run import -- --dataset ${dataset.name}`,
    operationHash: createHash('sha256').update(bytes).digest('hex'),
    disclosed: [],
    refused: [],
  };
  // A write is traced before it happens: no committed intent, no import.
  let intent: number | null = null;
  if (!values['dry-run']) {
    try {
      intent = (await audit.append({ ...traced, kind: 'WRITE_INTENT', detail: { fields: [`import:${dataset.name}`], file: basename(values.file!) } })).seq;
    } catch (error) {
      console.error(`The audit trail is unavailable: nothing was imported. (${(error as Error).message})`);
      process.exit(3);
    }
  }
  try {
    report = await importCsv(
      database.db,
      module.intake.intake,
      dataset,
      { bytes, fileName: basename(values.file!), encoding: values.encoding as CsvEncoding, dryRun: values['dry-run'], allowMassAbsent: values['allow-mass-absent'] },
      writer,
      (stage, detail) => console.error(`[import] ${stage}: ${detail}`),
    );
  } catch (error) {
    if ((error as { extensions?: { field?: string } }).extensions?.field !== 'input.allowMassAbsent') throw error;
    refusal = (error as Error).message.replace('input.allowMassAbsent: ', '');
  }
  if (!values['dry-run']) {
    // The outcome, linked to its intent (a rejected file wrote nothing: WRITE_FAILED).
    await audit.append({
      ...traced,
      kind: report?.accepted ? 'WRITE' : 'WRITE_FAILED',
      detail: { intent, writes: report?.accepted ? [{ field: `import:${dataset.name}`, ids: report.batch ? [report.batch.id] : [] }] : [], accepted: report?.accepted ?? false },
    });
  }
} finally {
  await database.close();
  await gateway.close();
  await local.close();
}

if (!report) {
  console.log(`Refused: ${refusal}`);
  process.exit(1);
}
if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const what = report.dryRun ? 'Dry run' : report.accepted ? 'Imported' : 'Rejected';
  console.log(`${what}: ${dataset.name} from ${basename(values.file)} (${report.encoding ?? 'unreadable'}), ${report.rows} rows`);
  console.log(`  new ${report.newRows}, changed ${report.changedRows}, unchanged ${report.unchangedRows}, absent ${report.absentRows}, rejected ${report.rejectedRows}`);
  if (report.batch) console.log(`  batch ${report.batch.id} (${report.batch.status})`);
  for (const error of report.errors) console.log(`  line ${error.line}${error.column ? `, column ${error.column}` : ''}: ${error.reason}`);
  if (report.dryRun && report.accepted && isMassAbsent(report)) console.log('  A real run would be refused: it leaves out more than half of the stored records (--allow-mass-absent to mean it).');
  if (!report.accepted) console.log('Nothing was written.');
}
process.exitCode = report.accepted ? 0 : 1;
