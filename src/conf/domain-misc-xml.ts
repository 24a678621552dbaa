// Smaller top-level domain elements: <genid>, <perf>, <keywrap>, <launchSecurity> and
// <on_lockfailure>, parsed and written as libvirt 9.0 does.
import type { Domain, LaunchSecurity } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { TsvirtError } from '../util/errors.js';
import { generateUuid, parseUuid } from '../util/uuid.js';
import { el, textEl, type XmlNode } from '../util/xml-writer.js';

/** virPerfEvent names in libvirt's order. */
export const PERF_EVENTS = [
  'cmt', 'mbmt', 'mbml', 'cpu_cycles', 'instructions', 'cache_references', 'cache_misses', 'branch_instructions', 'branch_misses',
  'bus_cycles', 'stalled_cycles_frontend', 'stalled_cycles_backend', 'ref_cpu_cycles', 'cpu_clock', 'task_clock', 'page_faults',
  'context_switches', 'cpu_migrations', 'page_faults_min', 'page_faults_maj', 'alignment_faults', 'emulation_faults',
];
const LOCK_FAILURE = ['poweroff', 'restart', 'pause', 'ignore'] as const;

export function parseGenid(x: XmlElement, dom: Domain): void {
  const list = x.children('genid');
  if (list.length > 1) throw list[1].error("element 'genid' can only appear once");
  const g = list[0];
  if (!g) return;
  const text = g.text().trim();
  if (text === '') {
    dom.genid = generateUuid();
    return;
  }
  const u = parseUuid(text);
  if (!u) throw g.error('malformed genid element');
  dom.genid = u;
}

function parsePerf(x: XmlElement, dom: Domain): void {
  const p = x.child('perf');
  if (!p) return;
  const seen = new Map<string, boolean>();
  for (const e of p.children('event')) {
    const name = e.reqEnumAttr('name', PERF_EVENTS);
    const enabled = e.boolAttr('enabled');
    if (enabled === undefined) throw e.error("missing attribute 'enabled' on <event>");
    if (seen.has(name)) throw e.error(`perf event '${name}' was already specified`);
    seen.set(name, enabled);
  }
  const events = PERF_EVENTS.filter((n) => seen.has(n)).map((name) => ({ name, enabled: seen.get(name)! }));
  if (events.length) dom.perf = events;
}

function parseKeywrap(x: XmlElement, dom: Domain): void {
  const k = x.child('keywrap');
  if (!k) return;
  const kw: NonNullable<Domain['keywrap']> = {};
  for (const c of k.children('cipher')) {
    const name = c.reqEnumAttr('name', ['aes', 'dea'] as const);
    const state = c.reqEnumAttr('state', ['on', 'off'] as const);
    if (kw[name]) throw c.error(`A domain definition can have no more than one cipher node with name ${name}`);
    kw[name] = state;
  }
  if (kw.aes || kw.dea) dom.keywrap = kw;
}

function parseLaunchSecurity(x: XmlElement, dom: Domain): void {
  const l = x.child('launchSecurity');
  if (!l) return;
  const type = l.attr('type');
  if (type === undefined) throw l.error("missing attribute 'type' on <launchSecurity>");
  if (type !== 'sev' && type !== 's390-pv') throw l.error(`Invalid value for attribute 'type' in element 'launchSecurity': '${type}'.`);
  const sec: LaunchSecurity = { type };
  if (type === 'sev') {
    const kh = l.boolAttr('kernelHashes');
    if (kh !== undefined) sec.kernelHashes = kh;
    const policy = l.childText('policy');
    if (policy === undefined || !/^(0x)?[0-9a-f]+$/i.test(policy.trim())) throw l.error('failed to get launch security policy');
    sec.policy = parseInt(policy.trim().replace(/^0x/i, ''), 16);
    const num = (tag: 'cbitpos' | 'reducedPhysBits', msg: string) => {
      const t = l.childText(tag);
      if (t === undefined) return;
      if (!/^\d+$/.test(t.trim())) throw l.error(msg);
      sec[tag] = Number(t.trim());
    };
    num('cbitpos', 'Invalid format for launch security cbitpos');
    num('reducedPhysBits', 'Invalid format for launch security reduced-phys-bits');
    const dh = l.childText('dhCert');
    const session = l.childText('session');
    if (dh !== undefined) sec.dhCert = dh;
    if (session !== undefined) sec.session = session;
  }
  dom.launchSecurity = sec;
}

/** Everything but <genid> (which sits right after <uuid>) and <on_lockfailure>. */
export function parseMiscElements(x: XmlElement, dom: Domain): void {
  for (const tag of ['bootloader', 'bootloader_args']) {
    const b = x.children(tag)[0];
    if (b) throw b.error(`<${tag}> is for Xen paravirtualised guests (pygrub); the QEMU driver boots through <os> (<loader>, <kernel>)`);
  }
  parseGenid(x, dom);
  parsePerf(x, dom);
  parseKeywrap(x, dom);
  parseLaunchSecurity(x, dom);
  const lf = x.child('on_lockfailure');
  if (lf) {
    const v = lf.text().trim();
    if (!(LOCK_FAILURE as readonly string[]).includes(v)) throw lf.error(`invalid value '${v}' in <on_lockfailure>: expected one of ${LOCK_FAILURE.join(', ')}`);
    dom.onLockfailure = v as Domain['onLockfailure'];
  }
}

export const formatGenid = (dom: Domain): XmlNode | undefined => textEl('genid', dom.genid);
export const formatOnLockfailure = (dom: Domain): XmlNode | undefined => textEl('on_lockfailure', dom.onLockfailure);
export const formatPerf = (dom: Domain): XmlNode | undefined =>
  dom.perf && el('perf', {}, dom.perf.map((e) => el('event', { name: e.name, enabled: e.enabled })));

/** <keywrap> and <launchSecurity>, which follow <seclabel> in libvirt's layout. */
export function formatSecurityElements(dom: Domain): Array<XmlNode | undefined> {
  const k = dom.keywrap;
  const s = dom.launchSecurity;
  return [
    k && el('keywrap', {}, [k.aes && el('cipher', { name: 'aes', state: k.aes }), k.dea && el('cipher', { name: 'dea', state: k.dea })]),
    s && el('launchSecurity', { type: s.type, kernelHashes: s.type === 'sev' ? s.kernelHashes : undefined }, s.type === 'sev' ? [
      textEl('cbitpos', s.cbitpos),
      textEl('reducedPhysBits', s.reducedPhysBits),
      el('policy', {}, `0x${(s.policy ?? 0).toString(16).padStart(4, '0')}`),
      textEl('dhCert', s.dhCert),
      textEl('session', s.session),
    ] : undefined),
  ];
}

/** qemuValidateDomainDef's checks for these elements on an x86_64 host without SEV. */
export function validateMiscElements(dom: Domain): void {
  if (dom.launchSecurity?.type === 'sev') throw new TsvirtError('config-unsupported', 'SEV launch security is not supported with this QEMU binary');
  if (dom.launchSecurity?.type === 's390-pv') throw new TsvirtError('config-unsupported', 'S390 PV launch security is not supported with this QEMU binary');
}
