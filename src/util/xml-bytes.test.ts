import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeXmlBytes } from './xml-bytes.js';

const b = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

test('UTF-8 by default, with or without a BOM; invalid bytes are an error naming the line, not U+FFFD', () => {
  assert.equal(decodeXmlBytes(b('<a>é</a>')), '<a>é</a>');
  assert.equal(decodeXmlBytes(b([0xef, 0xbb, 0xbf], '<a/>')), '<a/>');
  assert.throws(() => decodeXmlBytes(b('<a>\n\n', [0xc3, 0x28], '</a>')), /not valid UTF-8 \(line 3\)/);
  assert.throws(() => decodeXmlBytes(b('<a>', [0xed, 0xa0, 0x80], '</a>')), /not valid UTF-8/, 'an encoded surrogate');
  assert.throws(() => decodeXmlBytes(b('<a>', [0xc0, 0xaf], '</a>')), /not valid UTF-8/, 'an overlong form');
});

test('the declared encoding is used: ISO-8859-1 maps bytes to code points, US-ASCII refuses bytes above 0x7f, unknown ones are refused', () => {
  assert.equal(decodeXmlBytes(b('<?xml version="1.0" encoding="ISO-8859-1"?><a>', [0xe9], '</a>')), '<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>');
  assert.throws(() => decodeXmlBytes(b('<?xml version="1.0" encoding="US-ASCII"?>\n<a>', [0xe9], '</a>')), /outside US-ASCII .*\(line 2\)/);
  assert.throws(() => decodeXmlBytes(b('<?xml version="1.0" encoding="EBCDIC-XYZ"?><a/>')), /unsupported encoding 'EBCDIC-XYZ'/);
  assert.throws(() => decodeXmlBytes(b('<?xml version="1.0" encoding="UTF-16"?><a/>')), /UTF-16 declared without a byte-order mark/);
});

test('UTF-16 with a byte-order mark, either order', () => {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a>ü</a>', 'utf16le')]);
  assert.equal(decodeXmlBytes(le), '<a>ü</a>');
  const be = Buffer.from('<a>ü</a>', 'utf16le').swap16();
  assert.equal(decodeXmlBytes(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), '<a>ü</a>');
});
