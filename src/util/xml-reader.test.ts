import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXmlDocument } from './xml-reader.js';
import { XmlError } from './errors.js';

const fails = (fn: () => unknown, re: RegExp, line?: number) =>
  assert.throws(fn, (e) => e instanceof XmlError && re.test(e.message) && (line === undefined || e.line === line), String(re));

test('malformed XML reports the line', () => {
  fails(() => parseXmlDocument("<a>\n<b x='1'>\n</c></a>"), /malformed XML: end tag <\/c> mismatches <b>, opened on line 2/, 3);
  fails(() => parseXmlDocument(''), /malformed XML/);
  fails(() => parseXmlDocument('<a>&foo;</a>'), /entity/);
  fails(() => parseXmlDocument('<a/>', 'domain'), /expected root element <domain>/);
});

test('unconsumed attributes, elements and text are errors', () => {
  const doc = "<devices>\n  <disk type='file' bar='1'/>\n  <foo/>\n</devices>";
  let x = parseXmlDocument(doc);
  const d = x.child('disk')!;
  d.attr('type');
  fails(() => x.done(), /unsupported attribute 'bar' on <disk>/, 2);
  x = parseXmlDocument(doc);
  const d2 = x.child('disk')!;
  d2.attr('type');
  d2.attr('bar');
  fails(() => x.done(), /unsupported element <foo> in <devices>/, 3);
  x = parseXmlDocument('<a>\n  hello\n</a>');
  fails(() => x.done(), /unexpected text 'hello' in <a>/);
  x = parseXmlDocument('<a><!-- comment -->\n  \n</a>');
  x.done();
});

test('typed attribute readers', () => {
  const x = parseXmlDocument("<a n='0x1f' d='12' b='on' e='x' bad='1x'><c/><c/></a>");
  assert.equal(x.intAttr('n'), 31);
  assert.equal(x.intAttr('d', { max: 12 }), 12);
  assert.equal(x.boolAttr('b'), true);
  fails(() => x.enumAttr('e', ['y', 'z']), /invalid value 'x' for attribute 'e'/);
  fails(() => x.intAttr('bad'), /invalid integer '1x'/);
  fails(() => x.intAttr('d', { max: 5 }), /above the maximum 5/);
  fails(() => x.child('c'), /may appear only once/);
  fails(() => x.reqAttr('missing'), /missing attribute 'missing' on <a>/);
});

test('innerXml keeps namespaces and dedents', () => {
  const x = parseXmlDocument('<r xmlns:q="urn:q"><m>\n    <q:a k="1">t</q:a>\n    <b/>\n  </m></r>');
  const m = x.child('m')!;
  const inner = m.innerXml();
  x.done();
  assert.equal(inner, '<q:a k="1" xmlns:q="urn:q">t</q:a>\n<b/>');
});
