// Domain XML in the browser: the create form's XML, a read of the fields the pages show,
// and small edits (memory, vCPUs, boot order) made on the DOM so the rest of the XML,
// including what the UI does not know, goes back unchanged.
import type { GraphicsView } from './console-graphics.js';

export interface NewVm {
  name: string;
  type: 'qemu' | 'kvm';
  memoryMiB: number;
  vcpus: number;
  boot: 'kernel' | 'disk';
  kernel: string;
  initrd: string;
  cmdline: string;
  disk: string;
  diskFormat: 'qcow2' | 'raw';
  /** a disk that is a pool volume (made new by the form, or chosen): source pool + volume instead of a path */
  diskPool?: string;
  diskVolume?: string;
  cdrom: string;
  network: string;
  graphics: boolean;
}

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

export function newVmXml(v: NewVm): string {
  const os = v.boot === 'kernel'
    ? [`    <kernel>${esc(v.kernel)}</kernel>`, v.initrd && `    <initrd>${esc(v.initrd)}</initrd>`, v.cmdline && `    <cmdline>${esc(v.cmdline)}</cmdline>`]
    : [v.cdrom ? `    <boot dev='cdrom'/>` : '', `    <boot dev='hd'/>`];
  const diskSource = v.diskPool && v.diskVolume ? `<source pool='${esc(v.diskPool)}' volume='${esc(v.diskVolume)}'/>`
    : v.disk ? `<source file='${esc(v.disk)}'/>` : '';
  const devices = [
    diskSource && `    <disk type='${v.diskPool ? 'volume' : 'file'}' device='disk'>
      <driver name='qemu' type='${v.diskFormat}'/>
      ${diskSource}
      <target dev='vda' bus='virtio'/>
    </disk>`,
    v.cdrom && `    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='${esc(v.cdrom)}'/>
      <target dev='sda' bus='scsi'/>
      <readonly/>
    </disk>`,
    v.network && `    <interface type='network'>
      <source network='${esc(v.network)}'/>
      <model type='virtio'/>
    </interface>`,
    `    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>`,
    v.graphics && `    <graphics type='vnc' autoport='yes'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video>
      <model type='vga'/>
    </video>`,
  ];
  return `<domain type='${v.type}'>
  <name>${esc(v.name)}</name>
  <memory unit='MiB'>${v.memoryMiB}</memory>
  <currentMemory unit='MiB'>${v.memoryMiB}</currentMemory>
  <vcpu placement='static'>${v.vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
${os.filter(Boolean).join('\n')}
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
${devices.filter(Boolean).join('\n')}
  </devices>
</domain>
`;
}

/** Parses XML; throws an Error naming the line of the first syntax error. */
export function parseXml(text: string): Document {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const err = doc.getElementsByTagName('parsererror')[0];
  if (err) {
    const msg = (err.textContent ?? 'malformed XML').replace(/\s+/g, ' ').replace(/^This page contains the following errors: ?/, '').replace(/ Below is a rendering.*$/, '');
    throw new Error(`XML syntax error: ${msg.trim()}`);
  }
  return doc;
}

export function serializeXml(doc: Document): string {
  return new XMLSerializer().serializeToString(doc).replace(/^(<\?xml[^>]*\?>)?/, '') + '\n';
}

const KIB: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, kb: 1000 / 1024, m: 1024, mib: 1024, mb: 1e6 / 1024, g: 1024 ** 2, gib: 1024 ** 2, gb: 1e9 / 1024, t: 1024 ** 3, tib: 1024 ** 3 };

function kib(el: Element | null): number | undefined {
  if (!el?.textContent) return undefined;
  return Number(el.textContent.trim()) * (KIB[(el.getAttribute('unit') ?? 'KiB').toLowerCase()] ?? 1);
}

const child = (el: Element | Document, name: string): Element | null => {
  for (const c of Array.from(el.childNodes)) if (c.nodeType === 1 && (c as Element).tagName === name) return c as Element;
  return null;
};
const children = (el: Element | null, name: string): Element[] =>
  el ? Array.from(el.childNodes).filter((c): c is Element => c.nodeType === 1 && (c as Element).tagName === name) : [];

const xmlOf = (el: Element) => new XMLSerializer().serializeToString(el);

export interface DiskView { xml: string; device: string; type: string; source: string; target: string; bus: string; format: string }
export interface NicView { xml: string; type: string; source: string; mac: string; model: string; target: string; link: string }
export interface HostdevView { xml: string; type: string; address: string }
export interface DomainView {
  type: string;
  memoryMiB: number;
  vcpus: number;
  bootDevs: string[];
  kernel: string;
  cmdline: string;
  disks: DiskView[];
  nics: NicView[];
  hostdevs: HostdevView[];
  graphics: boolean;
  /** port of the first VNC display */
  vncPort: string;
  /** every <graphics>, for the console tab (console-graphics.ts) */
  graphicsList: GraphicsView[];
}

export function readDomain(xml: string): DomainView {
  const doc = parseXml(xml);
  const dom = doc.documentElement;
  const os = child(dom, 'os');
  const devices = child(dom, 'devices');
  const attr = (el: Element | null, a: string) => el?.getAttribute(a) ?? '';
  const vcpu = child(dom, 'vcpu');
  return {
    type: attr(dom, 'type'),
    memoryMiB: Math.round((kib(child(dom, 'memory')) ?? 0) / 1024),
    vcpus: Number(vcpu?.getAttribute('current') ?? vcpu?.textContent ?? 1),
    bootDevs: children(os, 'boot').map((b) => attr(b, 'dev')),
    kernel: child(os!, 'kernel')?.textContent ?? '',
    cmdline: child(os!, 'cmdline')?.textContent ?? '',
    disks: children(devices, 'disk').map((d) => {
      const src = child(d, 'source');
      return {
        xml: xmlOf(d),
        device: attr(d, 'device') || 'disk', type: attr(d, 'type'),
        source: attr(src, 'file') || attr(src, 'dev') || (attr(src, 'pool') && `${attr(src, 'pool')}/${attr(src, 'volume')}`) || '',
        target: attr(child(d, 'target'), 'dev'), bus: attr(child(d, 'target'), 'bus'), format: attr(child(d, 'driver'), 'type'),
      };
    }),
    nics: children(devices, 'interface').map((n) => {
      const src = child(n, 'source');
      return {
        xml: xmlOf(n),
        type: attr(n, 'type'), source: attr(src, 'network') || attr(src, 'bridge') || attr(src, 'dev'),
        mac: attr(child(n, 'mac'), 'address'), model: attr(child(n, 'model'), 'type'),
        target: attr(child(n, 'target'), 'dev'), link: attr(child(n, 'link'), 'state') || 'up',
      };
    }),
    hostdevs: children(devices, 'hostdev').map((h) => {
      const a = child(child(h, 'source') ?? h, 'address');
      return { xml: xmlOf(h), type: attr(h, 'type'), address: a ? `${attr(a, 'domain').replace(/^0x/, '')}:${attr(a, 'bus').replace(/^0x/, '')}:${attr(a, 'slot').replace(/^0x/, '')}.${attr(a, 'function').replace(/^0x/, '')}` : '' };
    }),
    graphics: children(devices, 'graphics').length > 0,
    vncPort: attr(children(devices, 'graphics').find((g) => g.getAttribute('type') === 'vnc') ?? null, 'port'),
    graphicsList: children(devices, 'graphics').map((g) => ({ type: attr(g, 'type'), port: attr(g, 'port'), listen: attr(g, 'listen') })),
  };
}

/** Sets memory, vCPUs and the BIOS boot order on an inactive domain XML. */
export function editSettings(xml: string, s: { memoryMiB: number; vcpus: number; bootDevs: string[] }): string {
  const doc = parseXml(xml);
  const dom = doc.documentElement;
  const set = (name: string, value: string, attrs: Record<string, string> = {}) => {
    let el = child(dom, name);
    if (!el) {
      el = doc.createElement(name);
      dom.appendChild(el);
    }
    for (const a of Array.from(el.attributes)) el.removeAttribute(a.name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    el.textContent = value;
  };
  set('memory', String(s.memoryMiB), { unit: 'MiB' });
  set('currentMemory', String(s.memoryMiB), { unit: 'MiB' });
  set('vcpu', String(s.vcpus), { placement: 'static' });
  const os = child(dom, 'os');
  if (os && !child(os, 'kernel')) {
    for (const b of children(os, 'boot')) os.removeChild(b);
    for (const dev of s.bootDevs) {
      const b = doc.createElement('boot');
      b.setAttribute('dev', dev);
      os.appendChild(b);
    }
  }
  return serializeXml(doc);
}
