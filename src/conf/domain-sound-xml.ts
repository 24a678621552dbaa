// <sound model=...>: an emulated sound card with its HDA codecs and the <audio> backend it plays
// through, in libvirt's layout (virDomainSoundDef{ParseXML,Format}).
import type { Sound } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, type FormatOptions } from './domain-address-xml.js';
import { TsvirtError } from '../util/errors.js';

export const SOUND_MODELS = ['sb16', 'es1370', 'pcspk', 'ac97', 'ich6', 'ich9', 'usb', 'ich7'] as const;
const CODECS = ['duplex', 'micro', 'output'] as const;

/** ich6 and ich9 (Intel HDA) carry codecs; libvirt ignores <codec> on the others. */
export const soundHasCodecs = (s: Sound) => s.model === 'ich6' || s.model === 'ich9';

export function parseSound(x: XmlElement): Sound {
  const s: Sound = { model: x.reqEnumAttr('model', SOUND_MODELS) };
  if (soundHasCodecs(s)) {
    const codecs = x.children('codec').map((c) => {
      const t = c.attr('type');
      if (!(CODECS as readonly string[]).includes(t ?? '')) throw new TsvirtError('config-unsupported', `unknown codec type '${t ?? '(null)'}' (line ${c.line})`);
      return t as (typeof CODECS)[number];
    });
    if (codecs.length) s.codecs = codecs;
  }
  const a = x.child('audio');
  if (a) s.audioId = a.reqIntAttr('id', { min: 1, max: 0xffffffff });
  parseDeviceInfo(x, s);
  return s;
}

export function formatSound(s: Sound, opts: FormatOptions): XmlNode {
  return el('sound', { model: s.model }, [
    ...(s.codecs ?? []).map((type) => el('codec', { type })),
    s.audioId !== undefined && el('audio', { id: s.audioId }),
    ...formatDeviceInfo(s, opts),
  ]);
}
