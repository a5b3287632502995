import { bodyHash } from './tokens';

// Bulk intake (定期更新 over HTTP): the gateway's `POST /imports/:dataset` takes the caller's
// multipart upload, authorizes and audits it, and forwards the file's bytes as they are to the
// owning subgraph's internal endpoint. Both sides agree on these names.

/** The subgraph's endpoint: `POST /internal/imports/:dataset`, the body the file's bytes. */
export const INTERNAL_IMPORTS_PATH = '/internal/imports';

/** The header that carries the import's manifest (JSON of ImportManifest). */
export const IMPORT_MANIFEST_HEADER = 'x-xiran-import';

/**
 * What one forwarded import is: the dataset, the caller's options, and the file's size and sha256.
 * The gateway's subgraph token is signed for this manifest (its `bh` is manifestHash of the header
 * as sent), and the subgraph checks the body it reads against `sha256` and `bytes`: the token is
 * good for this file with these options only, though the body streams after the token is checked.
 */
export interface ImportManifest {
  dataset: string;
  fileName: string | null;
  encoding: 'AUTO' | 'UTF8' | 'GB18030';
  dryRun: boolean;
  allowMassAbsent: boolean;
  /** hex sha256 of the file's bytes. */
  sha256: string;
  /** The file's size in bytes. */
  bytes: number;
}

/** What the subgraph token of a forwarded import is bound to: the manifest header's exact text. */
export function manifestHash(header: string): string {
  return bodyHash(`${IMPORT_MANIFEST_HEADER}:${header}`);
}
