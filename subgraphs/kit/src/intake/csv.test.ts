import { describe, expect, it } from 'vitest';
import { CsvUnreadable, decodeCsv, parseCsv } from './csv';

const TEXT = '统一社会信用代码,名称\r\n91330100MA2XXXXX1X,洗衣店\r\n';

/** UTF-16 bytes of `text` with its BOM, as Excel's "Unicode text" export writes them (LE) or a big-endian tool would. */
function utf16(text: string, order: 'LE' | 'BE'): Uint8Array {
  const le = Buffer.from(`\ufeff${text}`, 'utf16le');
  if (order === 'LE') return le;
  const be = Buffer.from(le);
  be.swap16();
  return be;
}

describe('decodeCsv', () => {
  it('reads UTF-16LE by its BOM (FF FE), dropping it', () => {
    const bytes = utf16(TEXT, 'LE');
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
    expect(decodeCsv(bytes)).toEqual({ text: TEXT, encoding: 'UTF16LE' });
    expect(parseCsv(decodeCsv(bytes).text).header).toEqual(['统一社会信用代码', '名称']);
  });

  it('reads UTF-16BE by its BOM (FE FF)', () => {
    const bytes = utf16(TEXT, 'BE');
    expect([bytes[0], bytes[1]]).toEqual([0xfe, 0xff]);
    expect(decodeCsv(bytes)).toEqual({ text: TEXT, encoding: 'UTF16BE' });
  });

  it('lets the BOM decide over the encoding asked (neither pair can start UTF-8 or GB18030)', () => {
    expect(decodeCsv(utf16(TEXT, 'LE'), 'UTF8').encoding).toBe('UTF16LE');
    expect(decodeCsv(utf16(TEXT, 'BE'), 'GB18030').encoding).toBe('UTF16BE');
  });

  it('refuses a file with a UTF-16 BOM that is not UTF-16 (an odd byte count)', () => {
    const bytes = Buffer.concat([utf16(TEXT, 'LE'), Buffer.from([0x41])]);
    expect(() => decodeCsv(bytes)).toThrow(CsvUnreadable);
    expect(() => decodeCsv(bytes)).toThrow(/UTF16LE byte order mark/);
  });

  it('still reads UTF-8 with and without a BOM, and GB18030 otherwise', () => {
    expect(decodeCsv(Buffer.from(`\ufeff${TEXT}`, 'utf8'))).toEqual({ text: TEXT, encoding: 'UTF8' });
    expect(decodeCsv(Buffer.from(TEXT, 'utf8'))).toEqual({ text: TEXT, encoding: 'UTF8' });
    // 洗衣 in GB18030: not valid UTF-8.
    expect(decodeCsv(Uint8Array.from([0xcf, 0xb4, 0xd2, 0xc2]))).toEqual({ text: '洗衣', encoding: 'GB18030' });
  });
});
