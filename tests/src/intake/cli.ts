import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { AuditTrail, isDistrictCode } from '@xiran/auth';
import { connectGatewayDatabase } from '@xiran/gateway/database';
import { importCsv, isMassAbsent, type CsvEncoding, type ImportReport, type Writer } from '@xiran/subgraph-kit';
import { localTargets } from '../stack/local-targets';
import { SUBGRAPH_MODULES } from '../stack/services';

/**
 * `npm run import -- --dataset <name> --file <path.csv> [--dry-run]`: 定期更新 from the command
 * line, for the scheduled jobs of each department (cron, an ETL tool). The same all-or-nothing
 * import as the GraphQL mutation, run as the dataset's owning agency (city level, or `--district`),
 * and recorded in the gateway's audit trail. Exit 0: imported (or, dry run, would be); 1: rejected,
 * nothing written; 2: usage.
 */
const USAGE = 'usage: npm run import -- --dataset <name> --file <path.csv> [--dry-run] [--allow-mass-absent] [--encoding AUTO|UTF8|GB18030] [--district <code>] [--by <who>] [--json]';
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
      district: { type: 'string' },
      by: { type: 'string' },
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
if (values.district && !isDistrictCode(values.district)) fail(`--district ${values.district} is not a Hangzhou district code`);
let bytes: Buffer;
try {
  bytes = readFileSync(values.file);
} catch (error) {
  fail(`cannot read ${values.file}: ${(error as Error).message}`);
}

const { module, dataset } = found;
const writer: Writer = {
  sub: values.by ?? `cli:${userInfo().username}`,
  agency: dataset.department,
  level: values.district ? 'district' : 'city',
  district: values.district ?? null,
};
const local = await localTargets();
const database = await module.connect(local.target(module.name));
const gateway = await connectGatewayDatabase(local.target('gateway'));
let report: ImportReport | undefined;
/** Set when a snapshot would empty most of the dataset: refused, nothing written (exit 1). */
let refusal: string | undefined;
try {
  try {
    report = await importCsv(
      database.db,
      module.intake.intake,
      dataset,
      { bytes, fileName: basename(values.file), encoding: values.encoding as CsvEncoding, dryRun: values['dry-run'], allowMassAbsent: values['allow-mass-absent'] },
      writer,
      (stage, detail) => console.error(`[import] ${stage}: ${detail}`),
    );
  } catch (error) {
    if ((error as { extensions?: { field?: string } }).extensions?.field !== 'input.allowMassAbsent') throw error;
    refusal = (error as Error).message.replace('input.allowMassAbsent: ', '');
  }
  if (report && !report.dryRun) {
    // Every write leaves a trace, whichever door it came through.
    await new AuditTrail(gateway.db).append({
      kind: 'WRITE',
      requestId: report.batch?.id ?? 'import',
      sub: writer.sub,
      agency: writer.agency,
      level: writer.level,
      district: writer.district,
      operationName: `npm run import -- --dataset ${dataset.name}`,
      operationHash: report.batch?.fileSha256 ?? null,
      disclosed: [],
      refused: [],
      detail: { writes: [{ field: `import:${dataset.name}`, ids: report.batch ? [report.batch.id] : [] }], accepted: report.accepted },
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
  if (!report.accepted) console.log('Nothing was written.');
  if (report.dryRun && report.accepted && isMassAbsent(report)) console.log('  A real run would be refused: it leaves out more than half of the stored records (--allow-mass-absent to mean it).');
}
process.exitCode = report.accepted ? 0 : 1;
