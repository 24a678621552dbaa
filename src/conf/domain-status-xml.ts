// The status file of a running domain (/run/tsvirt/qemu/<name>.xml), modelled on
// libvirt's <domstatus>: state, reason, pid, the monitor socket, driver extras and
// the live <domain>.
import type { Domain } from './domain-types.js';
import { parseXmlDocument } from '../util/xml-reader.js';
import { el, renderXml, type XmlNode } from '../util/xml-writer.js';
import { formatDomainNode, parseDomainElement } from './domain-xml.js';

export const DOMAIN_STATES = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'] as const;
export type DomainState = (typeof DOMAIN_STATES)[number];

export interface DomainStatus {
  state: DomainState;
  /** libvirt's reason word for the state: booted, unpaused, user, migrated, ... */
  reason: string;
  pid: number;
  /** QMP unix socket path */
  monitorPath: string;
  /** start time, milliseconds since the epoch */
  startedAt?: number;
  /** driver data that must survive a daemon restart: tap names, host devices taken, ports... */
  extra: Record<string, string>;
  /** the live definition (ids, aliases, pty paths, ports) */
  domain: Domain;
}

export function formatDomainStatusXml(st: DomainStatus): string {
  const children: XmlNode[] = [el('monitor', { path: st.monitorPath, type: 'unix' })];
  if (st.startedAt !== undefined) children.push(el('started', { time: st.startedAt }));
  for (const [name, value] of Object.entries(st.extra)) children.push(el('extra', { name, value }));
  children.push(formatDomainNode(st.domain, { live: true }));
  return renderXml(el('domstatus', { state: st.state, reason: st.reason, pid: st.pid }, children));
}

export function parseDomainStatusXml(xml: string): DomainStatus {
  const x = parseXmlDocument(xml, 'domstatus');
  const mon = x.child('monitor');
  if (!mon) throw x.error('missing <monitor> in <domstatus>');
  mon.enumAttr('type', ['unix'] as const);
  const domEl = x.child('domain');
  if (!domEl) throw x.error('missing <domain> in <domstatus>');
  const st: DomainStatus = {
    state: x.reqEnumAttr('state', DOMAIN_STATES),
    reason: x.attr('reason') ?? 'unknown',
    pid: x.reqIntAttr('pid', { min: 0 }),
    monitorPath: mon.reqAttr('path'),
    extra: {},
    domain: parseDomainElement(domEl),
  };
  const started = x.child('started');
  if (started) st.startedAt = started.reqIntAttr('time', { min: 0 });
  for (const e of x.children('extra')) st.extra[e.reqAttr('name')] = e.reqAttr('value');
  x.done();
  return st;
}
