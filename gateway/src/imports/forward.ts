import http from 'node:http';
import { IMPORT_MANIFEST_HEADER, INTERNAL_IMPORTS_PATH, manifestHash, signSubgraphToken, SUBGRAPH_TOKEN_HEADER, type GatewayKeyPair, type ImportManifest, type SignedGrants } from '@xiran/auth';
import type { GatewayAuth } from '../enforcement/authentication';
import type { UploadedFile } from './multipart';

/** The owning subgraph's answer: its status and JSON body (an ImportReport, or `{ errors }`). */
export interface SubgraphAnswer {
  status: number;
  body: unknown;
}

/**
 * Sends the file to the owning subgraph's `POST /internal/imports/:dataset`, its bytes as they
 * are (no base64, no JSON), chunk by chunk. The request carries the gateway's token for that
 * subgraph with the caller's claims and grants, as every subgraph request does, bound to the
 * manifest header (dataset, options, the file's size and sha256): the subgraph checks the body it
 * reads against the manifest before importing, so the token carries this file only.
 */
export async function forwardImport(
  keys: GatewayKeyPair,
  subgraph: string,
  subgraphUrl: string,
  auth: GatewayAuth,
  manifest: ImportManifest,
  file: UploadedFile,
): Promise<SubgraphAnswer> {
  // JSON in a header: non-ASCII (a Chinese file name) escaped as \uXXXX, so the header stays ASCII.
  const header = JSON.stringify(manifest).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const grants: SignedGrants = Object.fromEntries([...auth.grants.values()].map((g) => [g.group, [g.scope, g.grantId] as [typeof g.scope, string]]));
  const token = await signSubgraphToken(keys, subgraph, { principal: auth.principal, requestId: auth.requestId, grants, bodyHash: manifestHash(header) });
  const url = new URL(`${INTERNAL_IMPORTS_PATH}/${encodeURIComponent(manifest.dataset)}`, subgraphUrl);
  return new Promise<SubgraphAnswer>((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(file.bytes),
          [SUBGRAPH_TOKEN_HEADER]: token,
          [IMPORT_MANIFEST_HEADER]: header,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          try {
            resolve({ status: response.statusCode ?? 500, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('error', reject);
    const write = async () => {
      for (const chunk of file.chunks) {
        if (!request.write(chunk)) await new Promise((r) => request.once('drain', r));
      }
      request.end();
    };
    write().catch(reject);
  });
}
