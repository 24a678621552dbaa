// A disk's <source> (also used inside <backingStore>), <auth>, <encryption> and <backingStore>:
// parse and format in libvirt 9.0's order (virDomainStorageSourceParse / virDomainDiskSourceFormat).
import type { BackingStore, DiskAuth, DiskEncryption, DiskSecretRef, DiskSource, DiskType, NetHost, NetProtocol } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, textEl, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { parsePciAddress, pciAddressAttrs } from './domain-address-xml.js';
import { formatDeviceSeclabel, parseDeviceSeclabels } from './domain-seclabel-xml.js';
import { parseUuid } from '../util/uuid.js';
import { assignDefined } from './xml-assign.js';

export const DISK_TYPES = ['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser'] as const;
export const NET_PROTOCOLS = ['nbd', 'rbd', 'sheepdog', 'gluster', 'iscsi', 'http', 'https', 'ftp', 'ftps', 'tftp', 'ssh', 'vxhs', 'nfs'] as const;
export const IMAGE_FORMATS = ['raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop', 'cow', 'qcow', 'qcow2', 'qed', 'vmdk'] as const;

/** Ports libvirt fills in for a host without one (virStorageSourceNetworkDefaultPort); rbd and nfs get none. */
const DEFAULT_PORTS: Partial<Record<NetProtocol, number>> = {
  http: 80, https: 443, ftp: 21, ftps: 990, tftp: 69, sheepdog: 7000, nbd: 10809, ssh: 22, iscsi: 3260, gluster: 24007, vxhs: 9999,
};

const u64 = (x: XmlElement, v: string | undefined, what: string) => (v === undefined ? undefined : x.toInt(v, what, { min: 0 }));

// ---- secrets, auth, encryption
function parseSecretRef(x: XmlElement, typeRequired: boolean): DiskSecretRef {
  const ref: DiskSecretRef = {};
  const type = typeRequired ? x.reqEnumAttr('type', ['passphrase'] as const) : x.attr('type');
  if (type !== undefined) ref.type = type;
  const uuid = x.attr('uuid');
  const usage = x.attr('usage');
  if (uuid !== undefined && usage !== undefined) throw x.error('either secret uuid or usage expected');
  if (uuid !== undefined) {
    const u = parseUuid(uuid);
    if (!u) throw x.error(`invalid secret uuid '${uuid}'`);
    ref.uuid = u;
  } else if (usage !== undefined) ref.usage = usage;
  else throw x.error('either secret uuid or usage expected');
  return ref;
}

const formatSecretRef = (s: DiskSecretRef) => el('secret', { type: s.type, uuid: s.uuid, usage: s.usage });

export function parseAuth(x: XmlElement): DiskAuth {
  const username = x.attr('username');
  if (username === undefined) throw x.error('missing username for auth');
  const type = x.enumAttr('type', ['none', 'chap', 'ceph'] as const);
  const s = x.child('secret');
  if (!s) throw x.error('Missing <secret> element in auth');
  const auth: DiskAuth = { username, secret: parseSecretRef(s, false) };
  if (type && type !== 'none') auth.type = type;
  return auth;
}

export const formatAuth = (a: DiskAuth) => el('auth', { type: a.type, username: a.username }, [formatSecretRef(a.secret)]);

export function parseEncryption(x: XmlElement): DiskEncryption {
  const format = x.attr('format');
  if (format === undefined) throw x.error('unknown volume encryption format');
  if (!['default', 'qcow', 'luks', 'luks2'].includes(format)) throw x.error(`unknown volume encryption format type ${format}`);
  const enc: DiskEncryption = { format: format as DiskEncryption['format'], secrets: x.children('secret').map((s) => parseSecretRef(s, true)) };
  const engine = x.enumAttr('engine', ['qemu', 'librbd'] as const);
  if (engine) enc.engine = engine;
  if (enc.format === 'luks') {
    const c = x.child('cipher');
    if (c) {
      enc.cipher = assignDefined({ name: c.reqAttr('name'), size: c.reqIntAttr('size', { min: 1 }) } as NonNullable<DiskEncryption['cipher']>, {
        mode: c.attr('mode'), hash: c.attr('hash'),
      });
    }
    const iv = x.child('ivgen');
    if (iv) {
      if (!enc.cipher) throw iv.error('ivgen element found, but cipher is missing');
      enc.ivgen = assignDefined({ name: iv.reqAttr('name') } as NonNullable<DiskEncryption['ivgen']>, { hash: iv.attr('hash') });
    }
  }
  return enc;
}

export function formatEncryption(e: DiskEncryption): XmlNode {
  return el('encryption', { format: e.format, engine: e.engine }, [
    ...e.secrets.map(formatSecretRef),
    e.format === 'luks' && e.cipher && el('cipher', { name: e.cipher.name, size: e.cipher.size, mode: e.cipher.mode, hash: e.cipher.hash }),
    e.format === 'luks' && e.ivgen && el('ivgen', { name: e.ivgen.name, hash: e.ivgen.hash }),
  ]);
}

// ---- network hosts
function parseHost(x: XmlElement, protocol: NetProtocol): NetHost {
  const transport = x.attr('transport');
  if (transport !== undefined && !['tcp', 'unix', 'rdma'].includes(transport)) throw x.error(`unknown protocol transport type '${transport}'`);
  const h: NetHost = {};
  if (transport && transport !== 'tcp') h.transport = transport as NetHost['transport'];
  const socket = x.attr('socket');
  if (h.transport === 'unix' && socket === undefined) throw x.error('missing socket for unix transport');
  if (h.transport !== 'unix' && socket !== undefined) throw x.error(`transport '${transport ?? '(null)'}' does not support socket attribute`);
  if (socket !== undefined) h.socket = socket;
  if (h.transport !== 'unix') {
    const name = x.attr('name');
    if (name === undefined) throw x.error('missing name for host');
    h.name = name;
    const port = x.intAttr('port', { min: 0, max: 65535 });
    h.port = port || (h.transport === undefined ? DEFAULT_PORTS[protocol] : undefined);
    if (h.port === undefined) delete h.port;
  } else {
    x.attr('name');
    x.attr('port');
  }
  return h;
}

function parseNetworkSource(x: XmlElement, s: DiskSource): void {
  const protocol = x.reqEnumAttr('protocol', NET_PROTOCOLS);
  s.protocol = protocol;
  const name = x.attr('name');
  if (name === undefined && protocol !== 'nbd') throw x.error('missing name for disk source');
  if (name !== undefined) {
    if ((protocol === 'gluster' || protocol === 'rbd') && name.indexOf('/') <= 0) throw x.error(`can't split path '${name}' into pool name and image name`);
    // libvirt's post-parse gives an iSCSI target without a LUN the LUN 0
    s.name = protocol === 'iscsi' && !name.includes('/') ? `${name}/0` : name;
  }
  const tls = x.boolAttr('tls');
  if (tls !== undefined) s.tls = tls;
  const tlsHostname = x.attr('tlsHostname');
  if (tlsHostname !== undefined) s.tlsHostname = tlsHostname;
  const http = protocol === 'http' || protocol === 'https';
  const curl = http || protocol === 'ftp' || protocol === 'ftps';
  const query = x.attr('query');
  if (http && query !== undefined) s.query = query;
  const hosts = x.children('host').map((h) => parseHost(h, protocol));
  if (hosts.length) s.hosts = hosts;
  if (protocol === 'nfs') {
    const id = x.child('identity');
    if (id) s.identity = assignDefined({}, { user: id.attr('user'), group: id.attr('group') });
  }
  const snap = x.child('snapshot');
  if (snap) s.snapshot = snap.reqAttr('name');
  const conf = x.child('config');
  if (conf) s.config = conf.reqAttr('file');
  const ini = x.child('initiator');
  if (ini) {
    const iqn = ini.child('iqn');
    if (iqn) s.initiatorIqn = iqn.reqAttr('name');
  }
  const ssl = x.child('ssl');
  if (ssl && (protocol === 'https' || protocol === 'ftps')) {
    const v = ssl.boolAttr('verify');
    if (v !== undefined) s.sslVerify = v;
  }
  const cookies = x.child('cookies');
  if (cookies && http) {
    s.cookies = cookies.children('cookie').map((c) => ({ name: c.reqAttr('name'), value: c.text() }));
    const names = new Set<string>();
    for (const c of s.cookies) {
      if (names.has(c.name)) throw cookies.error(`duplicate cookie '${c.name}'`);
      names.add(c.name);
    }
  }
  if (curl) {
    const ra = x.child('readahead');
    const to = x.child('timeout');
    const readahead = ra && u64(ra, ra.attr('size'), 'readahead size');
    const timeout = to && u64(to, to.attr('seconds'), 'timeout seconds');
    if (readahead) s.readahead = readahead;
    if (timeout) s.timeout = timeout;
  }
}

function formatNetworkSource(s: DiskSource, attrs: Record<string, unknown>, kids: XmlChild[]): void {
  Object.assign(attrs, { protocol: s.protocol, name: s.name, query: s.query, tls: s.tls, tlsHostname: s.tlsHostname });
  for (const h of s.hosts ?? []) kids.push(el('host', { name: h.name, port: h.port || undefined, transport: h.transport, socket: h.socket }));
  if (s.protocol === 'nfs' && s.identity && (s.identity.user || s.identity.group)) kids.push(el('identity', { user: s.identity.user, group: s.identity.group }));
  if (s.snapshot !== undefined) kids.push(el('snapshot', { name: s.snapshot }));
  if (s.config !== undefined) kids.push(el('config', { file: s.config }));
  if (s.initiatorIqn !== undefined) kids.push(el('initiator', {}, [el('iqn', { name: s.initiatorIqn })]));
  if (s.sslVerify !== undefined) kids.push(el('ssl', { verify: s.sslVerify }));
  if (s.cookies?.length) kids.push(el('cookies', {}, s.cookies.map((c) => el('cookie', { name: c.name }, c.value))));
  if (s.readahead) kids.push(el('readahead', { size: s.readahead }));
  if (s.timeout) kids.push(el('timeout', { seconds: s.timeout }));
}

// ---- <source>
/** Parses a <source> of a disk or backing store of storage type `type`. */
export function parseDiskSource(x: XmlElement, type: DiskType): DiskSource {
  const s: DiskSource = {};
  const str = (a: string, k: 'file' | 'dev' | 'dir') => {
    const v = x.attr(a);
    if (v) s[k] = v; // libvirt treats an empty path as no source (CD-ROM without media)
  };
  switch (type) {
    case 'file': {
      str('file', 'file');
      const fdgroup = x.attr('fdgroup');
      if (fdgroup !== undefined) s.fdgroup = fdgroup;
      break;
    }
    case 'block': str('dev', 'dev'); break;
    case 'dir': str('dir', 'dir'); break;
    case 'network': parseNetworkSource(x, s); break;
    case 'volume': {
      const mode = x.enumAttr('mode', ['host', 'direct', 'default'] as const);
      assignDefined(s, { pool: x.attr('pool'), volume: x.attr('volume'), mode: mode === 'default' ? undefined : mode });
      if (s.pool === undefined || s.volume === undefined) throw x.error('<source> of a volume disk needs pool= and volume=');
      break;
    }
    case 'nvme': {
      const t = x.attr('type');
      if (t === undefined) throw x.error("missing 'type' attribute to disk source");
      if (t !== 'pci') throw x.error(`unsupported source type '${t}'`);
      const ns = x.attr('namespace');
      if (ns === undefined) throw x.error("missing 'namespace' attribute to disk source");
      const a = x.child('address');
      if (!a) throw x.error('NVMe disk source is missing address');
      a.attr('type');
      s.nvme = assignDefined({ namespace: x.toInt(ns, "attribute 'namespace' on <source>", { min: 0 }), address: parsePciAddress(a) } as NonNullable<DiskSource['nvme']>, {
        managed: x.boolAttr('managed'),
      });
      break;
    }
    case 'vhostuser': {
      const t = x.attr('type');
      if (t === undefined) throw x.error("missing 'type' attribute for vhostuser disk source");
      if (t !== 'unix') throw x.error("invalid 'type' attribute for vhostuser disk source");
      const path = x.attr('path');
      if (path === undefined) throw x.error("missing 'path' attribute for vhostuser disk source");
      s.vhostuser = { path };
      const r = x.child('reconnect');
      if (r) {
        const enabled = r.boolAttr('enabled');
        if (enabled === undefined) throw r.error("missing attribute 'enabled' on <reconnect>");
        s.vhostuser.reconnect = { enabled };
        const timeout = r.intAttr('timeout', { min: 0 });
        if (enabled && timeout !== undefined) s.vhostuser.reconnect.timeout = timeout;
        if (!enabled && timeout !== undefined) throw r.error('reconnect attribute timeout can be used only if reconnect is enabled');
      }
      break;
    }
  }
  const auth = x.child('auth');
  if (auth) s.auth = parseAuth(auth);
  const enc = x.child('encryption');
  if (enc) s.encryption = parseEncryption(enc);
  const pr = x.child('reservations');
  if (pr) {
    const managed = pr.boolAttr('managed');
    if (managed === undefined) throw pr.error("missing attribute 'managed' on <reservations>");
    s.reservations = { managed };
    const ps = pr.child('source');
    if (ps || !managed) {
      if (!ps) throw pr.error('missing connection type for <reservations/>');
      const t = ps.attr('type');
      const p = ps.attr('path');
      const m = ps.attr('mode');
      if (t === undefined) throw pr.error('missing connection type for <reservations/>');
      if (p === undefined) throw pr.error('missing path for <reservations/>');
      if (m === undefined) throw pr.error('missing connection mode for <reservations/>');
      if (t !== 'unix') throw pr.error(`unsupported connection type for <reservations/>: ${t}`);
      if (m !== 'client') throw pr.error(`unsupported connection mode for <reservations/>: ${m}`);
      if (!managed) s.reservations.source = { type: t, path: p, mode: m };
    }
  }
  const slices = x.child('slices');
  if (slices) {
    for (const sl of slices.children('slice')) {
      if (sl.attr('type') !== 'storage') continue;
      const off = sl.attr('offset');
      const size = sl.attr('size');
      if (off === undefined || size === undefined) throw sl.error('missing offset or size attribute of slice');
      s.sliceStorage = { offset: sl.toInt(off, "attribute 'offset' on <slice>", { min: 0 }), size: sl.toInt(size, "attribute 'size' on <slice>", { min: 0 }) };
    }
  }
  const labels = parseDeviceSeclabels(x);
  if (labels.length) s.seclabels = labels;
  const idx = x.intAttr('index', { min: 0 });
  if (idx) s.index = idx;
  return s;
}

/** <source> of a disk (startupPolicy, index) or backing store; `inactive` leaves out live-only data. */
export function formatDiskSource(type: DiskType, s: DiskSource, opts: { inactive?: boolean; secure?: boolean; withIndex?: boolean }): XmlNode {
  const attrs: Record<string, unknown> = {};
  const kids: XmlChild[] = [];
  switch (type) {
    case 'file': Object.assign(attrs, { file: s.file, fdgroup: s.fdgroup }); break;
    case 'block': attrs.dev = s.dev; break;
    case 'dir': attrs.dir = s.dir; break;
    case 'network': formatNetworkSource(opts.secure === false ? { ...s, cookies: undefined } : s, attrs, kids); break;
    case 'volume': Object.assign(attrs, { pool: s.pool, volume: s.volume, mode: s.mode }); break;
    case 'nvme':
      if (s.nvme) {
        Object.assign(attrs, { type: 'pci', managed: s.nvme.managed, namespace: s.nvme.namespace });
        kids.push(el('address', pciAddressAttrs(s.nvme.address, false)));
      }
      break;
    case 'vhostuser':
      if (s.vhostuser) {
        Object.assign(attrs, { type: 'unix', path: s.vhostuser.path });
        const r = s.vhostuser.reconnect;
        if (r) kids.push(el('reconnect', { enabled: r.enabled ? 'yes' : 'no', timeout: r.enabled ? r.timeout : undefined }));
      }
      break;
  }
  if (s.sliceStorage) kids.push(el('slices', {}, [el('slice', { type: 'storage', offset: s.sliceStorage.offset, size: s.sliceStorage.size })]));
  if (type !== 'network') for (const l of s.seclabels ?? []) kids.push(formatDeviceSeclabel(l, opts.inactive ?? false));
  if (s.auth && type !== 'volume') kids.push(formatAuth(s.auth));
  if (s.encryption) kids.push(formatEncryption(s.encryption));
  if (s.reservations) {
    const src = s.reservations.source;
    kids.push(el('reservations', { managed: s.reservations.managed }, [src && el('source', { type: src.type, path: src.path, mode: src.mode })]));
  }
  if (type !== 'network') attrs.startupPolicy = s.startupPolicy;
  if (opts.withIndex && !opts.inactive && s.index) attrs.index = s.index;
  return el('source', attrs as Record<string, string>, kids);
}

// ---- <backingStore>
export function parseBackingStore(x: XmlElement): BackingStore {
  const type = x.attr('type');
  if (type === undefined) return {};
  if (!(DISK_TYPES as readonly string[]).includes(type)) throw x.error(`unknown storage source type '${type}'`);
  x.attr('index'); // libvirt reads it only from live XML
  const f = x.child('format');
  const format = f?.attr('type');
  if (!f || format === undefined) throw x.error('missing disk backing store format');
  if (!(IMAGE_FORMATS as readonly string[]).includes(format)) throw f.error(`unknown storage source format '${format}'`);
  const src = x.child('source');
  if (!src) throw x.error('missing disk backing store source');
  const bs: BackingStore = { type: type as DiskType, format, source: parseDiskSource(src, type as DiskType) };
  const mc = parseMetadataCache(f);
  if (mc !== undefined) bs.metadataCacheMaxSize = mc;
  delete bs.source!.index;
  const below = x.child('backingStore');
  if (below) bs.backingStore = parseBackingStore(below);
  return bs;
}

export function formatBackingStore(b: BackingStore, opts: { inactive?: boolean; secure?: boolean }): XmlNode {
  if (!b.type) return el('backingStore');
  return el('backingStore', { type: b.type }, [
    el('format', { type: b.format }, [b.metadataCacheMaxSize ? formatMetadataCache(b.metadataCacheMaxSize) : undefined]),
    formatDiskSource(b.type, b.source ?? {}, opts),
    b.backingStore && formatBackingStore(b.backingStore, opts),
  ]);
}

// ---- <metadata_cache><max_size unit=>N</max_size></metadata_cache>
const UNITS: Record<string, number> = {
  b: 1, bytes: 1, k: 1024, kib: 1024, kb: 1000, m: 1024 ** 2, mib: 1024 ** 2, mb: 1e6, g: 1024 ** 3, gib: 1024 ** 3, gb: 1e9, t: 1024 ** 4, tib: 1024 ** 4, tb: 1e12,
};

/** The <metadata_cache> child of `parent` in bytes (libvirt's virParseScaledValue with byte default). */
export function parseMetadataCache(parent: XmlElement): number | undefined {
  const mc = parent.child('metadata_cache');
  const ms = mc?.child('max_size');
  if (!mc || !ms) return undefined;
  const unit = (ms.attr('unit') ?? 'bytes').toLowerCase();
  const mult = UNITS[unit];
  if (mult === undefined) throw ms.error(`unknown suffix '${unit}'`);
  const n = ms.toInt(ms.text(), '<max_size>', { min: 0 }) * mult;
  if (n < 1) throw ms.error('value of <max_size> must be at least 1');
  return n;
}

export const formatMetadataCache = (bytes: number) => el('metadata_cache', {}, [textEl('max_size', bytes, { unit: 'bytes' })]);
