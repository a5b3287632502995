export type CsvEncoding = 'AUTO' | 'UTF8' | 'GB18030';

/** The encoding a file was read as (the import report's and the batch's `encoding`). */
export type DecodedEncoding = 'UTF8' | 'UTF16LE' | 'UTF16BE' | 'GB18030';

/**
 * Agency exports come as UTF-8 (often with a BOM, from Excel) or as GB18030 (from older systems
 * and Excel on Chinese Windows). AUTO reads UTF-8 when the bytes are valid UTF-8 and GB18030
 * otherwise: GB18030's multi-byte sequences are almost never valid UTF-8, so the guess is safe.
 *
 * Excel's "Unicode text" export is UTF-16LE with a BOM: a UTF-16 BOM (FF FE, FE FF) decides,
 * whatever encoding was asked, as in the WHATWG decode algorithm. Neither pair can start a
 * UTF-8 or a GB18030 file (FF is a lead byte of neither), so the BOM is never a misreading.
 */
export function decodeCsv(bytes: Uint8Array, encoding: CsvEncoding = 'AUTO'): { text: string; encoding: DecodedEncoding } {
  const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe ? 'UTF16LE' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'UTF16BE' : null;
  if (utf16) {
    try {
      // The BOM is dropped by the decoder; an odd byte count or a lone surrogate throws.
      return { text: new TextDecoder(utf16 === 'UTF16LE' ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(bytes), encoding: utf16 };
    } catch (error) {
      throw new CsvUnreadable(`the file starts with a ${utf16} byte order mark but is not valid ${utf16}`, { cause: error });
    }
  }
  if (encoding === 'GB18030') return { text: new TextDecoder('gb18030').decode(bytes), encoding };
  try {
    // `fatal` makes invalid UTF-8 throw instead of turning into U+FFFD; the BOM is dropped.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF8' };
  } catch (error) {
    if (encoding === 'UTF8') throw new CsvUnreadable('the file is not valid UTF-8 (try encoding GB18030)', { cause: error });
    return { text: new TextDecoder('gb18030').decode(bytes), encoding: 'GB18030' };
  }
}

export class CsvUnreadable extends Error {
  /** The 1-based line where the file stops being CSV, when known. */
  line: number;
  constructor(message: string, options: { cause?: unknown; line?: number } = {}) {
    super(message, { cause: options.cause });
    this.line = options.line ?? 1;
  }
}

export interface CsvRow {
  /** 1-based line of the file where the record starts (the header is line 1). */
  line: number;
  cells: string[];
}

/**
 * RFC 4180 CSV into a header and rows with their line numbers: fields separated by commas, quoted
 * with `"` (a doubled `""` inside), quoted fields may span lines, CRLF or LF endings, blank lines
 * skipped. Hand-written because the line a record starts on is what the import report must name,
 * and a plain scan is several times faster than a general parser on 50,000 rows.
 */
export function parseCsv(text: string): { header: string[]; rows: CsvRow[] } {
  const records: CsvRow[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let blank = true;
    for (;;) {
      let cell = '';
      if (text.charCodeAt(i) === 34 /* " */) {
        blank = false;
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new CsvUnreadable(`a quoted field opened on line ${start} is never closed`, { line: start });
          const chunk = text.slice(i, q);
          for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) line++;
          cell += chunk;
          i = q + 1;
          if (text.charCodeAt(i) === 34) {
            cell += '"';
            i++;
          } else break;
        }
        const c = text.charCodeAt(i);
        if (i < n && c !== 44 && c !== 10 && c !== 13) throw new CsvUnreadable(`line ${line}: text after a closing quote`, { line });
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13) break;
          if (c === 34) throw new CsvUnreadable(`line ${line}: a quote inside an unquoted field`, { line });
          j++;
        }
        cell = text.slice(i, j);
        if (cell.length > 0) blank = false;
        i = j;
      }
      cells.push(cell);
      const c = text.charCodeAt(i);
      if (c === 44) {
        blank = false;
        i++;
        continue;
      }
      // End of record: CRLF, LF, CR or end of text.
      if (c === 13) i++;
      if (text.charCodeAt(i) === 10) i++;
      line++;
      break;
    }
    if (!blank) records.push({ line: start, cells });
  }
  if (records.length === 0) throw new CsvUnreadable('the file is empty: a header line is required');
  return { header: records[0]!.cells.map((h) => h.trim()), rows: records.slice(1) };
}

function csvCell(value: unknown): string {
  if (value == null) return '';
  const text = Array.isArray(value) ? value.join('|') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes a CSV (CRLF, quoted where needed; lists joined with `|`). Samples, tests and benchmarks. */
export function formatCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
