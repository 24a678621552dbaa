import { test } from 'node:test';
import assert from 'node:assert/strict';
import { el, escapeXml, hex, raw, renderXml, textEl } from './xml-writer.js';

test('writes libvirt layout: 2-space indent, single quotes, escaping, empty elements', () => {
  const xml = renderXml(
    el('a', { x: "it's", y: undefined, z: true, n: 3 }, [
      el('b'),
      textEl('c', 'x < y & "z"'),
      undefined,
      el('d', {}, [raw('<m:x xmlns:m="u">\n  <m:y/>\n</m:x>')]),
    ]),
  );
  assert.equal(
    xml,
    "<a x='it&apos;s' z='yes' n='3'>\n  <b/>\n  <c>x &lt; y &amp; &quot;z&quot;</c>\n  <d>\n    <m:x xmlns:m=\"u\">\n      <m:y/>\n    </m:x>\n  </d>\n</a>\n",
  );
  assert.equal(escapeXml(`<>&'"`), '&lt;&gt;&amp;&apos;&quot;');
  assert.equal(hex(3, 2), '0x03');
  assert.equal(hex(0, 4), '0x0000');
});
