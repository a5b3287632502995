import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/** The file part of an upload, held once as the chunks it arrived in. */
export interface UploadedFile {
  chunks: Buffer[];
  bytes: number;
  /** hex sha256 of the file's bytes, computed as they arrived. */
  sha256: string;
  /** The part's own file name (Content-Disposition filename), if any. */
  fileName: string | null;
}

export interface Upload {
  file: UploadedFile | null;
  /** The text fields (dryRun, encoding, allowMassAbsent, fileName), first value of each. */
  fields: Record<string, string>;
}

/** Why an upload was refused before anything was forwarded: `tooLarge` answers 413, the rest 400. */
export class UploadRefused extends Error {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

/** The form's fields: a few short values; anything else is refused. */
const FIELDS = new Set(['dryRun', 'encoding', 'allowMassAbsent', 'fileName']);

/**
 * Reads a multipart/form-data upload as it streams in (busboy): one `file` part of at most
 * `maxBytes`, hashed chunk by chunk and kept as those chunks (never joined here, never base64), and
 * the text fields. Beyond `maxBytes` the request is refused (UploadRefused, tooLarge) without
 * reading the rest into memory.
 */
export function readUpload(req: IncomingMessage, maxBytes: number): Promise<Upload> {
  return new Promise<Upload>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 16, fieldSize: 4096, parts: 17 } });
    } catch (error) {
      reject(new UploadRefused(`the body must be multipart/form-data with a file part (${(error as Error).message})`));
      return;
    }
    const upload: Upload = { file: null, fields: {} };
    let refused: UploadRefused | undefined;
    const refuse = (error: UploadRefused) => {
      refused ??= error;
      // Stop reading: what is left of the body is not wanted (the connection is closed after the answer).
      req.unpipe(parser);
      req.resume();
      reject(refused);
    };
    parser.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        refuse(new UploadRefused(`unexpected file part ${JSON.stringify(name)}: send the CSV as the part named "file"`));
        return;
      }
      const hash = createHash('sha256');
      const file: UploadedFile = { chunks: [], bytes: 0, sha256: '', fileName: info.filename || null };
      upload.file = file;
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        file.chunks.push(chunk);
        file.bytes += chunk.length;
      });
      stream.on('limit', () => {
        file.chunks = [];
        refuse(new UploadRefused(`the file is larger than the gateway accepts (${maxBytes} bytes; IMPORT_BODY_LIMIT)`, true));
      });
      stream.on('end', () => {
        file.sha256 = hash.digest('hex');
      });
    });
    parser.on('field', (name, value, info) => {
      if (!FIELDS.has(name)) refuse(new UploadRefused(`unknown field ${JSON.stringify(name)}; the form takes file, ${[...FIELDS].join(', ')}`));
      else if (info.valueTruncated) refuse(new UploadRefused(`the field ${name} is too long`));
      else upload.fields[name] ??= value;
    });
    for (const event of ['filesLimit', 'fieldsLimit', 'partsLimit'] as const) {
      parser.on(event, () => refuse(new UploadRefused('one file part and a few fields (dryRun, encoding, allowMassAbsent, fileName) at most')));
    }
    parser.on('error', (error: Error) => refuse(new UploadRefused(`the multipart body is malformed (${error.message})`)));
    parser.on('close', () => {
      if (refused) return;
      if (upload.file && !upload.file.sha256) refuse(new UploadRefused('the file part ended early'));
      else resolve(upload);
    });
    req.on('aborted', () => refuse(new UploadRefused('the upload was interrupted')));
    req.pipe(parser);
  });
}
