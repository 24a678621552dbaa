// <audio>: parse and format in libvirt's layout.
import type { Audio } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlNode } from '../util/xml-writer.js';

export function parseAudio(x: XmlElement): Audio {
  return { id: x.reqIntAttr('id', { min: 1 }), type: x.reqEnumAttr('type', ['none'] as const) };
}

export function formatAudio(a: Audio): XmlNode {
  return el('audio', { id: a.id, type: a.type });
}
