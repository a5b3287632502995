import express from 'express';
import { GraphQLError } from 'graphql';
import { CATALOGUE, WRITE_OPERATIONS, type GatewayKeyPair, type ImportManifest } from '@xiran/auth';
import { ErrorCode, isPublicCode } from '@xiran/common';
import { datasetSubgraph, DATASET_SUBGRAPHS, type HttpSubgraphName } from '@xiran/schema';
import { auditCaller, type AuditTrail } from '../audit/trail';
import type { GatewayAuth, useAuthentication } from '../enforcement/authentication';
import type { WindowCounter } from '../enforcement/rate-limit';
import { forwardImport, type SubgraphAnswer } from './forward';
import { readUpload, UploadRefused, type UploadedFile } from './multipart';

/** The route: `POST /imports/:dataset`. */
export const IMPORTS_PATH = '/imports';

export interface ImportRouterOptions {
  authentication: ReturnType<typeof useAuthentication>;
  audit: AuditTrail;
  keys: GatewayKeyPair;
  subgraphUrls: Record<HttpSubgraphName, string>;
  /** The largest file accepted, in bytes (IMPORT_BODY_LIMIT); beyond, 413. */
  maxBytes: number;
  /** The expensive-operation counter the GraphQL imports count in too (RATE_LIMIT_EXPENSIVE); perWindow 0: no limit. */
  expensive: { counter: WindowCounter; perWindow: number; windowSeconds: number };
  /** Called after an import that wrote a batch, before the answer leaves (see afterImport). */
  afterImport?: (subgraph: HttpSubgraphName, auth: GatewayAuth) => Promise<void>;
}

/** An answer in GraphQL's error shape (`errors[].extensions.code`), as /graphql answers. */
function refuse(res: express.Response, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  // Beyond IMPORT_BODY_LIMIT the rest is not wanted at all: the connection closes after the answer.
  // Any other refusal leaves the rest of the body to Node, which discards it as it comes (never
  // kept), so that a client still sending its file reads the answer instead of a broken pipe.
  if (status === 413) res.setHeader('connection', 'close');
  res.status(status).json({ errors: [{ message, extensions: { code, ...extensions } }] });
}

const ENCODINGS = ['AUTO', 'UTF8', 'GB18030'] as const;

/** `true`/`false` (also 1/0, as HTML forms and curl -F send them); absent: false. */
function flag(fields: Record<string, string>, name: string): boolean {
  const value = fields[name];
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new UploadRefused(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

function manifestOf(dataset: string, fields: Record<string, string>, file: UploadedFile): ImportManifest {
  const encoding = (fields.encoding || 'AUTO').toUpperCase();
  if (!(ENCODINGS as readonly string[]).includes(encoding)) throw new UploadRefused(`encoding must be one of ${ENCODINGS.join(', ')}`);
  return {
    dataset,
    fileName: fields.fileName || file.fileName,
    encoding: encoding as ImportManifest['encoding'],
    dryRun: flag(fields, 'dryRun'),
    allowMassAbsent: flag(fields, 'allowMassAbsent'),
    sha256: file.sha256,
    bytes: file.bytes,
  };
}

/** What `POST /imports/:dataset` answers: the mutation's ImportReport. */
export interface ImportReportJson {
  dataset: string;
  dryRun: boolean;
  accepted: boolean;
  encoding: string | null;
  rows: number;
  newRows: number;
  changedRows: number;
  unchangedRows: number;
  absentRows: number;
  rejectedRows: number;
  errors: Array<{ line: number; column: string | null; reason: string }>;
  /** The batch recorded (SUCCEEDED or REJECTED); null for a dry run. */
  batch: { id: string; status: string; fileName: string | null; fileSha256: string | null; startedAt: string; finishedAt: string } | null;
}

/** The ImportReport as the mutation answers it (its batch: id and status, and what the owner sees of the file). */
function publicReport(report: Record<string, unknown>): ImportReportJson {
  const batch = report.batch as Record<string, unknown> | null;
  const pick = (keys: string[], from: Record<string, unknown>) => Object.fromEntries(keys.map((k) => [k, from[k] ?? null]));
  return {
    ...pick(['dataset', 'dryRun', 'accepted', 'encoding', 'rows', 'newRows', 'changedRows', 'unchangedRows', 'absentRows', 'rejectedRows'], report),
    errors: ((report.errors as Array<Record<string, unknown>>) ?? []).map((e) => pick(['line', 'column', 'reason'], e)),
    batch: batch ? pick(['id', 'status', 'fileName', 'fileSha256', 'startedAt', 'finishedAt'], batch) : null,
  } as ImportReportJson;
}

/** The codes of a failed import's errors (never their messages), as the mutation's outcome entry keeps them. */
function errorCodes(body: unknown): string[] {
  const errors = (body as { errors?: Array<{ extensions?: { code?: unknown } }> } | null)?.errors ?? [];
  return [...new Set(errors.map((e) => String(e.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR)))].sort();
}

/**
 * 定期更新 over HTTP: `POST /imports/:dataset`, multipart/form-data with a `file` part (and the
 * fields dryRun, encoding, allowMassAbsent, fileName), for files too large for the base64 mutation.
 * The same door and the same rules as the dataset's import mutation on /graphql:
 *
 * 1. the caller's bearer token, verified before a byte of the body is read (401; the refusal
 *    recorded and counted per address as on /graphql);
 * 2. the write catalogue's rule for `Mutation.import<Department>Data` of the dataset's subgraph
 *    (403, recorded as a REFUSAL);
 * 3. counted as an expensive operation of the caller, with the GraphQL imports (429);
 * 4. the file read as it streams, at most IMPORT_BODY_LIMIT (413), hashed as it comes;
 * 5. WRITE_INTENT committed before anything is forwarded (none: 503 AUDIT_UNAVAILABLE, nothing sent);
 * 6. the bytes forwarded to the owning subgraph (see forwardImport), which imports them in one
 *    transaction; its outcome (WRITE, or WRITE_FAILED with the error codes) committed, linked to
 *    the intent, before the answer leaves.
 *
 * Answers: 200 with the ImportReport when the file was processed (accepted or rejected, dry run
 * or not); 400 BAD_USER_INPUT (unknown dataset, no file, a bad field, a mass-absent snapshot).
 */
export function importRouter(options: ImportRouterOptions): express.Router {
  const router = express.Router();
  const catalogue = CATALOGUE;
  const handle = async (req: express.Request, res: express.Response): Promise<void> => {
    const dataset = String(req.params.dataset);
    let auth: GatewayAuth;
    try {
      auth = await options.authentication.authenticate(req.headers, undefined, req.ip ?? req.socket.remoteAddress);
    } catch (error) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      if (code === ErrorCode.RATE_LIMITED) res.setHeader('retry-after', String(error instanceof GraphQLError ? error.extensions.retryAfter : 60));
      if (code === ErrorCode.RATE_LIMITED || code === ErrorCode.UNAUTHENTICATED) {
        refuse(res, code === ErrorCode.RATE_LIMITED ? 429 : 401, code, (error as Error).message);
      } else {
        console.error('[imports] authentication', error);
        refuse(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.');
      }
      return;
    }
    const subgraph = datasetSubgraph(dataset);
    if (!subgraph) {
      refuse(res, 400, ErrorCode.BAD_USER_INPUT, `dataset: unknown dataset ${JSON.stringify(dataset)}; there are ${Object.keys(DATASET_SUBGRAPHS).join(', ')}`, { field: 'dataset' });
      return;
    }
    const write = WRITE_OPERATIONS.find((w) => w.subgraph === subgraph && /^Mutation\.import[A-Z]\w*Data$/.test(w.coordinate))!;
    const field = write.coordinate.slice('Mutation.'.length);
    const { principal } = auth;
    const caller = auditCaller(auth, `POST ${IMPORTS_PATH}/${dataset}`);
    if (!catalogue.decide(write.coordinate, auth.grants, principal).allowed) {
      try {
        await options.audit.append({ ...caller, operationHash: null, kind: 'REFUSAL', disclosed: [], refused: [{ coordinate: write.coordinate, group: null, code: ErrorCode.FORBIDDEN }], detail: { dataset } });
      } catch (error) {
        console.error('[audit] refusal not recorded; answer withheld', error);
        refuse(res, 503, ErrorCode.AUDIT_UNAVAILABLE, 'The audit trail is unavailable; no data was released.');
        return;
      }
      refuse(res, 403, ErrorCode.FORBIDDEN, `Not authorized to import ${dataset}: ${write.coordinate} is for ${write.owner}'s ${write.role}s (see the write catalogue).`, { coordinate: write.coordinate });
      return;
    }
    const { counter, perWindow, windowSeconds } = options.expensive;
    if (perWindow > 0) {
      const hit = counter.hit(principal.sub);
      if (hit.count > perWindow) {
        res.setHeader('retry-after', String(hit.retryAfterSeconds));
        refuse(res, 429, ErrorCode.RATE_LIMITED, `Too many expensive operations (${field}): at most ${perWindow} per caller in ${windowSeconds} s.`, { retryAfter: hit.retryAfterSeconds });
        return;
      }
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBytes + 64 * 1024) {
      refuse(res, 413, ErrorCode.PAYLOAD_TOO_LARGE, `The upload is larger than the gateway accepts (${options.maxBytes} bytes; IMPORT_BODY_LIMIT).`);
      return;
    }
    let manifest: ImportManifest;
    let file: UploadedFile;
    try {
      const upload = await readUpload(req, options.maxBytes);
      if (!upload.file) throw new UploadRefused('no file: send the CSV as the multipart part named "file"');
      if (upload.file.bytes === 0) throw new UploadRefused('the file is empty');
      file = upload.file;
      manifest = manifestOf(dataset, upload.fields, file);
    } catch (error) {
      if (!(error instanceof UploadRefused)) throw error;
      if (error.tooLarge) refuse(res, 413, ErrorCode.PAYLOAD_TOO_LARGE, `The upload is larger than the gateway accepts: ${error.message}.`);
      else refuse(res, 400, ErrorCode.BAD_USER_INPUT, `file: ${error.message}`, { field: 'file' });
      return;
    }

    // A write is traced before it happens: no committed intent, nothing forwarded (fail closed).
    const traced = { ...caller, operationHash: file.sha256, disclosed: [], refused: [] };
    let intent: number;
    try {
      intent = (await options.audit.append({ ...traced, kind: 'WRITE_INTENT', detail: { fields: [field], dataset, file: manifest.fileName, bytes: file.bytes, sha256: file.sha256, dryRun: manifest.dryRun } })).seq;
    } catch (error) {
      console.error('[audit] intent not written; import not forwarded', error);
      refuse(res, 503, ErrorCode.AUDIT_UNAVAILABLE, 'The audit trail is unavailable; nothing was imported.');
      return;
    }
    let answer: SubgraphAnswer;
    try {
      answer = await forwardImport(options.keys, subgraph, options.subgraphUrls[subgraph], auth, manifest, file);
    } catch (error) {
      console.error(`[imports] ${subgraph} unreachable`, error);
      answer = { status: 502, body: { errors: [{ message: `The ${subgraph} service did not answer; nothing was imported.`, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] } };
    }
    // The file's chunks are not needed any more, whatever happens next.
    file.chunks = [];
    const report = answer.status === 200 ? publicReport(answer.body as Record<string, unknown>) : null;
    const batchId = report?.batch?.id;
    try {
      // As for the mutation: WRITE when the subgraph answered a report (a batch, SUCCEEDED or
      // REJECTED, or a dry run's counts), WRITE_FAILED with the error codes otherwise.
      await options.audit.append({
        ...traced,
        kind: report ? 'WRITE' : 'WRITE_FAILED',
        detail: report
          ? { intent, writes: [{ field, ids: batchId ? [batchId] : [] }], accepted: report.accepted }
          : { intent, writes: [], errors: errorCodes(answer.body) },
      });
    } catch (error) {
      console.error('[audit] outcome not written; answer withheld', error);
      refuse(res, 503, ErrorCode.AUDIT_UNAVAILABLE, 'The audit trail is unavailable; no data was released.');
      return;
    }
    if (report) {
      if (report.batch?.status === 'SUCCEEDED') await options.afterImport?.(subgraph, auth);
      res.json(report);
      return;
    }
    // The subgraph's refusal, passed on with its code when it is one a caller may see.
    const first = (answer.body as { errors?: Array<{ message?: string; extensions?: Record<string, unknown> }> } | null)?.errors?.[0];
    const code = first?.extensions?.code;
    if (isPublicCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR && code !== ErrorCode.UNAUTHENTICATED && answer.status < 500) {
      refuse(res, answer.status, code, first!.message ?? code, Object.fromEntries(Object.entries(first!.extensions!).filter(([k]) => k !== 'code')));
    } else {
      if (answer.status !== 502) console.error(`[imports] ${subgraph} answered ${answer.status}`, JSON.stringify(answer.body).slice(0, 500));
      refuse(res, 502, ErrorCode.INTERNAL_SERVER_ERROR, 'The import failed in the department’s service; nothing was imported.');
    }
  };
  // Anything unexpected: logged, and answered in the same JSON shape (never express's HTML page).
  router.post(`${IMPORTS_PATH}/:dataset`, (req, res) => {
    handle(req, res).catch((error) => {
      console.error('[imports]', error);
      refuse(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.');
    });
  });
  return router;
}
