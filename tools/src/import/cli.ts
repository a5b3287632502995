import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
// The route's answer, as the gateway defines it (a type only: this client loads no workspace code).
import type { ImportReportJson as ImportReport } from '@xiran/gateway/imports';

/**
 * `npm run import -- --dataset <name> --file <path.csv> [--dry-run]`: 定期更新 from the command
 * line, for the scheduled jobs of each department (cron, an ETL tool). An HTTP client of the
 * gateway's `POST /imports/:dataset`: the file is streamed as multipart/form-data with the
 * caller's token (`--token` or XIRAN_TOKEN), and the gateway does the rest as for the import
 * mutation (authentication, the write catalogue, the rate limit, WRITE_INTENT before and the
 * outcome after, the owning subgraph's all-or-nothing import). No database credentials here.
 *
 * Exit 0: imported (or, dry run, would be); 1: rejected or a mass-absent snapshot refused, nothing
 * written; 2: usage, no token, a token refused, not allowed to import the dataset, too large, too
 * many; 3: the audit trail is unavailable, nothing written; 4: the gateway could not be reached
 * or failed.
 */
const USAGE =
  'usage: npm run import -- --dataset <name> --file <path.csv> [--token <JWT> | XIRAN_TOKEN=<JWT>] [--url <gateway> | XIRAN_URL=<gateway>] [--dry-run] [--allow-mass-absent] [--encoding AUTO|UTF8|GB18030] [--json]';

function fail(message: string, code = 2): never {
  console.error(code === 2 ? `${message}\n${USAGE}` : message);
  process.exit(code);
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
      url: { type: 'string' },
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
if (!values.dataset) fail('--dataset is required');
if (!values.file) fail('--file is required');
if (!['AUTO', 'UTF8', 'GB18030'].includes(values.encoding!)) fail('--encoding must be AUTO, UTF8 or GB18030');
const token = values.token || process.env.XIRAN_TOKEN;
if (!token) fail('a caller token is required: --token <JWT> or XIRAN_TOKEN (`npm run token -- --agency <owner> --roles uploader` prints a dev one)');
// The gateway: --url, XIRAN_URL, or the local default; its /graphql path, if given, is not needed.
const base = values.url || process.env.XIRAN_URL || 'http://127.0.0.1:4000';
let target: URL;
try {
  target = new URL(`/imports/${encodeURIComponent(values.dataset)}`, base);
} catch {
  fail(`--url must be the gateway's URL, got ${JSON.stringify(base)}`);
}
let file: Blob;
try {
  if (!(await stat(values.file)).isFile()) throw new Error('not a file');
  // A Blob backed by the file: fetch streams it from disk as the multipart body is sent.
  file = await openAsBlob(values.file);
} catch (error) {
  fail(`cannot read ${values.file}: ${(error as Error).message}`);
}
const fileName = basename(values.file);
const form = new FormData();
form.set('dryRun', String(values['dry-run']));
form.set('allowMassAbsent', String(values['allow-mass-absent']));
form.set('encoding', values.encoding!);
form.set('fileName', fileName);
form.set('file', file, fileName);

interface Refusal {
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }>;
}

console.error(`[import] sending ${fileName} (${file.size} bytes) to ${target.origin}`);
let response: Response;
try {
  response = await fetch(target, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
} catch (error) {
  fail(`the gateway at ${target.origin} could not be reached: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`, 4);
}
const body = (await response.json().catch(() => null)) as (ImportReport & Refusal) | null;
if (response.status !== 200 || !body || !('accepted' in body)) {
  const error = body?.errors?.[0];
  const code = error?.extensions?.code ?? `HTTP ${response.status}`;
  const message = error?.message ?? response.statusText;
  if (code === 'BAD_USER_INPUT' && error?.extensions?.field === 'input.allowMassAbsent') {
    console.log(`Refused: ${message.replace('input.allowMassAbsent: ', '')}`);
    process.exit(1);
  }
  if (code === 'AUDIT_UNAVAILABLE') fail(`The audit trail is unavailable: nothing was imported. (${message})`, 3);
  if (code === 'UNAUTHENTICATED') fail(`the token was refused (${message})`);
  if (code === 'FORBIDDEN') fail(`not allowed: ${message}`);
  if (['BAD_USER_INPUT', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED'].includes(code)) fail(`${code}: ${message}`);
  fail(`the gateway answered ${response.status} (${code}): ${message}; nothing was imported`, 4);
}
const report = body;
if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const what = report.dryRun ? 'Dry run' : report.accepted ? 'Imported' : 'Rejected';
  console.log(`${what}: ${report.dataset} from ${fileName} (${report.encoding ?? 'unreadable'}), ${report.rows} rows`);
  console.log(`  new ${report.newRows}, changed ${report.changedRows}, unchanged ${report.unchangedRows}, absent ${report.absentRows}, rejected ${report.rejectedRows}`);
  if (report.batch) console.log(`  batch ${report.batch.id} (${report.batch.status})`);
  for (const error of report.errors) console.log(`  line ${error.line}${error.column ? `, column ${error.column}` : ''}: ${error.reason}`);
  if (report.dryRun && report.accepted && isMassAbsent(report)) console.log('  A real run would be refused: it leaves out more than half of the stored records (--allow-mass-absent to mean it).');
  if (!report.accepted) console.log('Nothing was written.');
}
process.exitCode = report.accepted ? 0 : 1;

/** As the subgraph decides it (subgraphs/kit isMassAbsent): more than half of the records present before left out. */
function isMassAbsent(counts: ImportReport): boolean {
  return counts.absentRows * 2 > counts.absentRows + counts.unchangedRows + counts.changedRows;
}
