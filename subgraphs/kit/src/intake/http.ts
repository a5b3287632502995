import { createHash } from 'node:crypto';
import type express from 'express';
import { GraphQLError } from 'graphql';
import {
  IMPORT_MANIFEST_HEADER,
  INTERNAL_IMPORTS_PATH,
  manifestHash,
  mayWrite,
  TokenRejected,
  WRITE_OPERATIONS,
  type ImportManifest,
  type SubgraphAuth,
  type useSubgraphAuthentication,
} from '@xiran/auth';
import { ErrorCode, isPublicCode } from '@xiran/common';
import type { Database } from '../database';
import { importCsv, type ImportReport } from './import';
import { findDataset, type IntakeOptions } from './resolvers';
import { writerOf } from './upload';

/** The department's import mutation, `Mutation.import<Department>Data`: its catalogue rule is this endpoint's. */
const IMPORT_COORDINATE = /^Mutation\.import[A-Z]\w*Data$/;

/** An answer in GraphQL's error shape, with the code the gateway passes on. */
function answer(res: express.Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

function parseManifest(header: string): ImportManifest {
  const m = JSON.parse(header) as Partial<ImportManifest>;
  const ok =
    typeof m.dataset === 'string' &&
    (m.fileName === null || typeof m.fileName === 'string') &&
    (m.encoding === 'AUTO' || m.encoding === 'UTF8' || m.encoding === 'GB18030') &&
    typeof m.dryRun === 'boolean' &&
    typeof m.allowMassAbsent === 'boolean' &&
    typeof m.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(m.sha256) &&
    Number.isSafeInteger(m.bytes) &&
    m.bytes! > 0;
  if (!ok) throw new TokenRejected('import manifest malformed');
  return m as ImportManifest;
}

/**
 * Reads the body into one buffer of the size the manifest names (so the file is held once, not as
 * chunks and again joined), and checks it is that file (size and sha256). importCsv takes it
 * whole: its decoder needs the whole text (a CSV record may span lines).
 */
async function readFile(req: express.Request, manifest: ImportManifest): Promise<Buffer | string> {
  const hash = createHash('sha256');
  const file = Buffer.allocUnsafe(manifest.bytes);
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (size + chunk.length > manifest.bytes) return `the body is longer than the ${manifest.bytes} bytes signed for`;
    hash.update(chunk);
    chunk.copy(file, size);
    size += chunk.length;
  }
  if (size !== manifest.bytes) return `the body has ${size} bytes, not the ${manifest.bytes} signed for`;
  if (hash.digest('hex') !== manifest.sha256) return 'the body is not the file signed for (sha256)';
  return file;
}

/**
 * `POST /internal/imports/:dataset`: 定期更新 of one of this department's datasets, forwarded by the
 * gateway's `POST /imports/:dataset` (which authenticated, authorized, rate-limited and audited
 * it). The body is the file's bytes. Trusted as far as the gateway's token goes: signed for this
 * subgraph, bound to the manifest header (dataset, options, the file's size and sha256), and the
 * body read is checked against the manifest before anything is imported. The catalogue's rule for
 * the department's import mutation is checked again here, as the shield does for the mutation,
 * and importCsv runs as the mutation's resolver would: one transaction, all or nothing.
 *
 * Answers: 200 with the ImportReport (accepted or rejected); 400 BAD_USER_INPUT (unknown dataset,
 * a mass-absent snapshot refused); 401 (no or a bad signature, a body other than the one signed);
 * 403 FORBIDDEN.
 */
export function mountImportEndpoint(
  app: express.Express,
  options: {
    subgraph: string;
    intake: IntakeOptions;
    database: { db: Database };
    authentication: ReturnType<typeof useSubgraphAuthentication>;
  },
): void {
  const write = WRITE_OPERATIONS.find((w) => w.subgraph === options.subgraph && IMPORT_COORDINATE.test(w.coordinate));
  app.post(`${INTERNAL_IMPORTS_PATH}/:dataset`, async (req, res) => {
    let auth: SubgraphAuth;
    let manifest: ImportManifest;
    try {
      auth = await options.authentication.authenticate(req.headers);
      const header = req.headers[IMPORT_MANIFEST_HEADER];
      if (typeof header !== 'string') throw new TokenRejected('no import manifest');
      options.authentication.checkBody(auth, manifestHash(header));
      manifest = parseManifest(header);
      if (manifest.dataset !== req.params.dataset) throw new TokenRejected('signed for another dataset');
    } catch (error) {
      const reason = error instanceof TokenRejected ? error.message : 'invalid';
      answer(res, 401, ErrorCode.UNAUTHENTICATED, `This subgraph answers only requests signed by the gateway (${reason}).`);
      return;
    }
    if (!write || !mayWrite(write, auth.principal)) {
      answer(res, 403, ErrorCode.FORBIDDEN, `Not authorized to run ${write?.coordinate ?? 'an import'} (see the write catalogue: who may run it, with which role).`);
      return;
    }
    try {
      const dataset = findDataset(options.intake.datasets, manifest.dataset, 'dataset');
      const bytes = await readFile(req, manifest);
      if (typeof bytes === 'string') {
        answer(res, 401, ErrorCode.UNAUTHENTICATED, `This subgraph answers only requests signed by the gateway (${bytes}).`);
        return;
      }
      const report = await importCsv(
        options.database.db,
        options.intake.intake,
        dataset,
        { bytes, fileName: manifest.fileName, encoding: manifest.encoding, dryRun: manifest.dryRun, allowMassAbsent: manifest.allowMassAbsent },
        writerOf(auth),
      );
      res.json(report satisfies ImportReport);
    } catch (error) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      if (error instanceof GraphQLError && isPublicCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
        const { http: _http, ...extensions } = error.extensions;
        res.status(code === ErrorCode.FORBIDDEN ? 403 : 400).json({ errors: [{ message: error.message, extensions }] });
        return;
      }
      console.error(`[${options.subgraph}] import`, error);
      answer(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'The import failed; nothing was written.');
    }
  });
}
