// <seclabel>: the domain-level security label (virSecurityLabelDefParseXML) and the per-device
// override under disk/chardev sources and hostdevs (virSecurityDeviceLabelDefParseXML), with
// libvirt 9.0's inactive-parse rules and layout. Reused by the disk, chardev and hostdev parsers.
import type { DeviceSeclabel, SecLabel } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, textEl, type XmlNode } from '../util/xml-writer.js';

/**
 * libvirt's default security model when no security driver is active (defSecModel); this is what
 * the embedded QEMU driver on this host uses, and what a lone model-less label gets.
 */
export const DEFAULT_SEC_MODEL = 'none';

/** Parses one domain-level <seclabel> (definition rules: runtime labels of dynamic ones are dropped). */
export function parseSeclabel(x: XmlElement): SecLabel {
  const model = x.attr('model');
  const type = x.enumAttr('type', ['dynamic', 'static', 'none'] as const) ?? 'dynamic';
  const relabelAttr = x.boolAttr('relabel');
  const relabel = relabelAttr ?? type === 'dynamic';
  if (type === 'dynamic' && !relabel) throw x.error('dynamic label type must use resource relabeling');
  if (type === 'none' && relabel) throw x.error("resource relabeling is not compatible with 'none' label type");
  const label = x.childText('label');
  const imagelabel = x.childText('imagelabel');
  const baselabel = x.childText('baselabel');
  const sl: SecLabel = { type, relabel };
  if (model !== undefined) sl.model = model;
  if (model === 'none') return { type: 'none', model, relabel: false };
  // Only a static label is part of the definition; dynamic ones are generated at start, and the
  // image label is always generated (libvirt reads both only from live XML).
  if (type === 'static') {
    if (label === undefined) throw x.error('security label is missing');
    sl.label = label;
  }
  if (type === 'dynamic' && baselabel !== undefined) sl.baselabel = baselabel;
  void imagelabel;
  return sl;
}

/** All domain-level labels, with libvirt's checks across them and the default model filled in. */
export function parseSeclabels(list: XmlElement[]): SecLabel[] {
  const out: SecLabel[] = [];
  for (const x of list) {
    const sl = parseSeclabel(x);
    if (out.some((o) => o.model === sl.model)) throw x.error(`seclabel for model ${sl.model ?? '(null)'} is already provided`);
    out.push(sl);
  }
  if (out.length === 1 && out[0].model === undefined) {
    const sl = out[0];
    if (sl.type === 'none' || (sl.type === 'dynamic' && sl.baselabel === undefined)) {
      sl.model = DEFAULT_SEC_MODEL;
      if (sl.model === 'none') {
        sl.type = 'none';
        sl.relabel = false;
      }
    } else throw list[0].error('missing security model in domain seclabel');
  }
  if (out.length > 1 && out.some((o) => o.model === undefined)) throw list[0].error('missing security model when using multiple labels');
  return out;
}

export function formatSeclabel(s: SecLabel): XmlNode {
  if (s.type === 'none') return el('seclabel', { type: s.type, model: s.model });
  const attrs = { type: s.type, model: s.model, relabel: s.relabel ? 'yes' : 'no' };
  if (s.label === undefined && s.imagelabel === undefined && s.baselabel === undefined) return el('seclabel', attrs);
  return el('seclabel', attrs, [
    textEl('label', s.label),
    s.relabel ? textEl('imagelabel', s.imagelabel) : undefined,
    s.type === 'dynamic' ? textEl('baselabel', s.baselabel) : undefined,
  ]);
}

/** Device-level <seclabel> elements of `parent` (a disk/chardev <source> or a <hostdev>). */
export function parseDeviceSeclabels(parent: XmlElement): DeviceSeclabel[] {
  const out: DeviceSeclabel[] = [];
  for (const x of parent.children('seclabel')) {
    const model = x.attr('model');
    if (model !== undefined && out.some((o) => o.model === model)) throw x.error(`seclabel for model ${model} is already provided`);
    const relabel = x.boolAttr('relabel') ?? true;
    const labelskip = x.boolAttr('labelskip'); // live-only; libvirt ignores it in a definition
    const label = x.childText('label');
    const sl: DeviceSeclabel = { relabel };
    if (model !== undefined) sl.model = model;
    if (label !== undefined && label !== '') sl.label = label;
    if (sl.label !== undefined && !relabel) throw x.error(`Cannot specify a label if relabelling is turned off. model=${model ?? '(null)'}`);
    void labelskip;
    out.push(sl);
  }
  return out;
}

/** One device-level label; undefined when libvirt leaves it out of inactive XML (relabel without a label). */
export function formatDeviceSeclabel(s: DeviceSeclabel, inactive = true): XmlNode | undefined {
  if (inactive && s.label === undefined && s.relabel) return undefined;
  const attrs = { model: s.model, relabel: s.relabel ? 'yes' : 'no' };
  return s.label === undefined ? el('seclabel', attrs) : el('seclabel', attrs, [el('label', {}, s.label)]);
}
