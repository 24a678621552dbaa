// The element and attribute paths of a document ("domain/devices/disk/driver@cache"), for the
// round-trip check that nothing in an input is lost on the way to dumpxml.
import { ELEMENT_NODE, parseXml, type XmlNode } from '../../src/util/xml-parse.js';

export function xmlPaths(xml: string): Set<string> {
  const out = new Set<string>();
  const walk = (n: XmlNode, prefix: string) => {
    const p = prefix ? `${prefix}/${n.nodeName}` : n.nodeName;
    out.add(p);
    for (const a of n.attributes) out.add(`${p}@${a.name}`);
    // <metadata> is kept verbatim; its content is the application's, not libvirt's schema
    if (n.nodeName === 'metadata') return;
    for (const c of n.childNodes) if (c.nodeType === ELEMENT_NODE) walk(c, p);
  };
  walk(parseXml(xml), '');
  return out;
}
