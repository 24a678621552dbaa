import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, serializeXml, ELEMENT_NODE, TEXT_NODE, CDATA_NODE, COMMENT_NODE } from './xml-parse.js';
import { XmlError } from './errors.js';

const fails = (text: string, re: RegExp, line?: number) =>
  assert.throws(() => parseXml(text), (e) => {
    assert.ok(e instanceof XmlError, String(e));
    assert.match(e.message, re);
    if (line !== undefined) assert.equal(e.line, line, e.message);
    return true;
  });

test('elements, attributes, text, CDATA, comments and lines', () => {
  const r = parseXml("<?xml version='1.0'?>\n<!-- head -->\n<domain type='kvm' id=\"1\">\n  <name>a &amp; b &#x41;&#66;</name>\n  <x><![CDATA[<raw> & ]]></x><!-- c --><e/>\n</domain>\n");
  assert.equal(r.nodeName, 'domain');
  assert.equal(r.lineNumber, 3);
  assert.deepEqual(r.attributes, [{ name: 'type', value: 'kvm' }, { name: 'id', value: '1' }]);
  const els = r.childNodes.filter((n) => n.nodeType === ELEMENT_NODE);
  assert.deepEqual(els.map((e) => [e.nodeName, e.lineNumber]), [['name', 4], ['x', 5], ['e', 5]]);
  assert.equal(els[0].childNodes[0].nodeType, TEXT_NODE);
  assert.equal(els[0].childNodes[0].nodeValue, 'a & b AB');
  assert.equal(els[1].childNodes[0].nodeType, CDATA_NODE);
  assert.equal(els[1].childNodes[0].nodeValue, '<raw> & ');
  assert.ok(r.childNodes.some((n) => n.nodeType === COMMENT_NODE && n.nodeValue === ' c '));
  assert.equal(els[0].parent, r);
});

test('attribute values: both quotes, entities, whitespace normalised; CRLF documents', () => {
  const r = parseXml("<a x = '1 &lt; 2' y=\"it's\" z='a\tb\nc' w='&#10;'/>");
  assert.deepEqual(r.attributes.map((a) => a.value), ['1 < 2', "it's", 'a b c', '\n']);
  const crlf = parseXml('<a>\r\n<b/>\r\n<c/></a>');
  assert.equal(crlf.childNodes.filter((n) => n.nodeType === ELEMENT_NODE)[1].lineNumber, 3);
  assert.equal(crlf.childNodes[0].nodeValue, '\n');
});

test('what is not well-formed is refused with its line', () => {
  fails('', /malformed XML: missing root element/);
  fails('<a>\n<b>\n</a>', /end tag <\/a> mismatches <b>, opened on line 2/, 3);
  fails('<a>\n<b>', /unclosed element <b>, opened on line 2/);
  fails('<a/><b/>', /more than one root element/);
  fails('<a/>junk', /text outside the root element: 'junk'/);
  fails('<a>&foo;</a>', /entity '&foo;' is not defined/);
  fails('<a>AT&T</a>', /'&' not followed by an entity reference/);
  fails('<a>&#0;</a>', /entity '&#0;' is not defined/);
  fails("<a x='1' x='2'/>", /attribute 'x' appears twice on <a>/);
  fails('<a x=1/>', /the value of attribute 'x' on <a> is not quoted/);
  fails("<a x='<'/>", /'<' in the value of attribute 'x'/);
  fails("<a x='1'y='2'/>", /expected whitespace, '>' or '\/>' in <a>/);
  fails('<a x/>', /attribute 'x' on <a> has no value/);
  fails('<a>\n\n<!-- x', /unclosed comment/, 3);
  fails('<a><![CDATA[x</a>', /unclosed CDATA section/);
  fails('<!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>', /DOCTYPE with an internal subset is not supported/);
  fails('</a>', /end tag <\/a> without a start tag/);
  fails('<1a/>', /expected a name/);
  fails("<a x='1", /unclosed value of attribute 'x'/);
  fails('<a', /unclosed start tag <a>/);
  // a plain DOCTYPE (no subset) and a BOM are fine
  assert.equal(parseXml('\ufeff<!DOCTYPE a><a/>').nodeName, 'a');
});

test('serializing declares the namespaces a fragment borrows from above it, and escapes', () => {
  const r = parseXml('<r xmlns:q="urn:q" xmlns="urn:d"><m><q:a q:k="1">t &lt; &amp; &gt;</q:a><q:b xmlns:q="urn:other"/><c x="&quot;&lt;"/><!--n--><![CDATA[<x>]]></m></r>');
  const m = r.childNodes[0];
  assert.equal(m.childNodes.map(serializeXml).join(''),
    '<q:a q:k="1" xmlns:q="urn:q">t &lt; &amp; &gt;</q:a><q:b xmlns:q="urn:other"/><c x="&quot;&lt;" xmlns="urn:d"/><!--n--><![CDATA[<x>]]>');
  // within the fragment a declaration is made once
  assert.equal(serializeXml(m), '<m xmlns="urn:d"><q:a q:k="1" xmlns:q="urn:q">t &lt; &amp; &gt;</q:a><q:b xmlns:q="urn:other"/><c x="&quot;&lt;"/><!--n--><![CDATA[<x>]]></m>');
});

test('a document of one long line parses in linear time, and nesting past 256 is refused', () => {
  const wide = `<r>${'<a x="1"/>'.repeat(200_000)}</r>`;
  const t0 = performance.now();
  const root = parseXml(wide);
  assert.equal(root.childNodes.length, 200_000);
  // quadratic line counting took seconds here; linear is tens of milliseconds
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
  parseXml(`${'<a>'.repeat(256)}${'</a>'.repeat(256)}`);
  assert.throws(() => parseXml(`${'<a>'.repeat(257)}${'</a>'.repeat(257)}`), /nested deeper than 256/);
});
