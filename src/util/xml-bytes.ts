// Bytes of an XML document to text, the way libxml2 reads them (libvirt parses with it): a
// byte-order mark or the encoding declaration says the encoding, UTF-8 when neither does, and
// bytes that are not valid in that encoding are an error instead of U+FFFD.
import { XmlError } from './errors.js';

// encodings libxml2 reads that Node's TextDecoder knows under the same meaning
const LABELS: Record<string, string> = {
  'utf-8': 'utf-8', utf8: 'utf-8', 'iso-8859-1': 'latin1', 'iso8859-1': 'latin1', 'iso_8859-1': 'latin1', latin1: 'latin1',
  'utf-16': 'utf-16le', 'utf-16le': 'utf-16le', 'utf-16be': 'utf-16be', 'windows-1252': 'windows-1252', cp1252: 'windows-1252',
};

function decode(bytes: Uint8Array, label: string, what: string): string {
  if (label === 'latin1') {
    // TextDecoder's 'latin1' is windows-1252; ISO-8859-1 maps every byte to the same code point
    let s = '';
    for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return s;
  }
  try {
    return new TextDecoder(label, { fatal: true }).decode(bytes);
  } catch {
    const line = firstBadLine(bytes);
    throw new XmlError(`malformed XML: the document is not valid ${what}`, line);
  }
}

/** the line of the first byte that is not valid UTF-8 (for the error message): one pass, no decoding */
function firstBadLine(bytes: Uint8Array): number {
  let line = 1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) line++;
    if (b < 0x80) continue;
    // the sequence's length and the smallest and largest second byte (overlongs, surrogates, > U+10FFFF)
    const [n, lo, hi] = b >= 0xc2 && b <= 0xdf ? [1, 0x80, 0xbf] : b === 0xe0 ? [2, 0xa0, 0xbf] : b === 0xed ? [2, 0x80, 0x9f]
      : b >= 0xe1 && b <= 0xef ? [2, 0x80, 0xbf] : b === 0xf0 ? [3, 0x90, 0xbf] : b === 0xf4 ? [3, 0x80, 0x8f]
        : b >= 0xf1 && b <= 0xf3 ? [3, 0x80, 0xbf] : [0, 0, 0];
    if (n === 0) return line;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return line;
    }
    i += n;
  }
  return line;
}

/** The document's text; throws XmlError for bytes its encoding does not allow or an encoding libxml2 would not read. */
export function decodeXmlBytes(bytes: Uint8Array): string {
  const b0 = bytes[0], b1 = bytes[1], b2 = bytes[2];
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return decode(bytes.subarray(3), 'utf-8', 'UTF-8');
  if (b0 === 0xff && b1 === 0xfe) return decode(bytes.subarray(2), 'utf-16le', 'UTF-16');
  if (b0 === 0xfe && b1 === 0xff) return decode(bytes.subarray(2), 'utf-16be', 'UTF-16');
  // the declaration is ASCII in every encoding that does not start with a byte-order mark
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const enc = /^<\?xml\s[^?]*?encoding\s*=\s*["']([^"']*)["']/.exec(head)?.[1];
  if (enc === undefined) return decode(bytes, 'utf-8', 'UTF-8');
  const key = enc.toLowerCase();
  if (key === 'us-ascii' || key === 'ascii') {
    const i = bytes.findIndex((x) => x > 0x7f);
    if (i >= 0) throw new XmlError('malformed XML: a byte outside US-ASCII in a document declared US-ASCII', Buffer.from(bytes.subarray(0, i)).toString('latin1').split('\n').length);
    return decode(bytes, 'utf-8', 'US-ASCII');
  }
  const label = LABELS[key];
  if (!label) throw new XmlError(`malformed XML: unsupported encoding '${enc}'`, 1);
  // UTF-16 declared without a byte-order mark: libxml2 reads the ASCII declaration as UTF-8 and fails on the rest
  if (label.startsWith('utf-16')) throw new XmlError('malformed XML: UTF-16 declared without a byte-order mark', 1);
  return decode(bytes, label, enc);
}
