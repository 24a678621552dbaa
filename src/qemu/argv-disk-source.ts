// The protocol (-blockdev "storage") node of a disk source that is not a local file or device:
// network protocols (nbd, iscsi, rbd, gluster, curl's http/https/ftp/ftps, ssh, nfs) and
// type='dir' (vvfat), with the properties libvirt 9.0 gives them (qemuBlockStorageSourceGet*Props).
// What this QEMU cannot do, or what needs host support tsvirt lacks, fails with config-unsupported.
import { TsvirtError } from '../util/errors.js';
import type { Disk, DiskSource, NetHost, NetProtocol } from '../conf/domain-types.js';
import type { Props } from './argv-common.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

/**
 * Protocols whose QEMU block driver does not exist in QEMU 7.2: sheepdog and vxhs were removed
 * (6.0, 5.2) and curl's tftp support was dropped; the rest are built in or loadable modules here.
 */
const QEMU_LACKS: ReadonlySet<NetProtocol> = new Set(['sheepdog', 'vxhs', 'tftp']);

function socketAddress(h: NetHost, where: string): Props {
  if (h.transport === 'unix') return { type: 'unix', path: h.socket };
  if (h.transport === 'rdma') throw unsupported(`${where}: transport protocol 'rdma' is not yet supported`);
  return { type: 'inet', host: h.name, port: String(h.port ?? 0) };
}

function inetAddress(h: NetHost, where: string): Props {
  if (h.transport && h.transport !== 'tcp') throw unsupported(`${where}: only TCP protocol can be converted to InetSocketAddress`);
  return { host: h.name, port: String(h.port ?? 0) };
}

function oneHost(s: DiskSource, where: string): NetHost {
  if (s.hosts?.length !== 1) throw unsupported(`${where}: ${s.protocol} protocol accepts only one host`);
  return s.hosts[0];
}

/** gluster and rbd keep "pool/image" in name=: split at the first slash as libvirt does. */
function splitVolume(name: string): [string, string] {
  const i = name.indexOf('/');
  return [name.slice(0, i), name.slice(i + 1)];
}

/** protocol://host:port/name?query, as qemuBlockStorageSourceGetURI builds it for curl. */
function curlUrl(s: DiskSource, where: string): string {
  const h = oneHost(s, where);
  const host = h.name?.includes(':') ? `[${h.name}]` : h.name;
  const path = (s.name ?? '').startsWith('/') ? s.name : `/${s.name ?? ''}`;
  return `${s.protocol}://${host}${h.port ? `:${h.port}` : ''}${path}${s.query ? `?${s.query}` : ''}`;
}

/** The storage node of a network disk, without node-name and the common flags. */
export function networkStorageProps(disk: Disk, s: DiskSource): Props {
  const where = `disk '${disk.target.dev}'`;
  const protocol = s.protocol!;
  if (QEMU_LACKS.has(protocol)) throw unsupported(`${where}: network disk protocol '${protocol}' is not supported by this QEMU (no such block driver in QEMU 7.2)`);
  if (s.auth || disk.auth) throw unsupported(`${where}: <auth> for a ${protocol} disk needs a secret object, and tsvirt has no secret driver`);
  if (s.tls) throw unsupported(`${where}: tls='yes' on a ${protocol} disk needs TLS x509 credentials, which tsvirt does not set up`);
  switch (protocol) {
    case 'nbd': {
      const h = oneHost(s, where);
      return { driver: 'nbd', server: socketAddress(h, where), ...(s.name !== undefined ? { export: s.name } : {}) };
    }
    case 'iscsi': {
      const h = oneHost(s, where);
      const name = s.name ?? '';
      const slash = name.indexOf('/');
      const target = slash >= 0 ? name.slice(0, slash) : name;
      const lun = slash >= 0 ? Number(name.slice(slash + 1)) : 0;
      if (!Number.isInteger(lun)) throw unsupported(`${where}: cannot parse target for lunStr '${name}'`);
      const portal = h.name?.includes(':') ? `[${h.name}]:${h.port}` : `${h.name}:${h.port}`;
      return {
        driver: 'iscsi', portal, target, lun, transport: 'tcp',
        ...(s.initiatorIqn ? { 'initiator-name': s.initiatorIqn } : {}),
      };
    }
    case 'rbd': {
      const [pool, image] = splitVolume(s.name ?? '');
      if (s.encryption) throw unsupported(`${where}: an encrypted rbd disk needs a secret object, and tsvirt has no secret driver`);
      return {
        driver: 'rbd', pool, image,
        ...(s.snapshot ? { snapshot: s.snapshot } : {}),
        ...(s.config ? { conf: s.config } : {}),
        ...(s.hosts?.length ? { server: s.hosts.map((h) => inetAddress(h, where)) } : {}),
      };
    }
    case 'gluster': {
      const [volume, path] = splitVolume(s.name ?? '');
      if (!s.hosts?.length) throw unsupported(`${where}: gluster protocol needs at least one host`);
      return { driver: 'gluster', volume, path, server: s.hosts.map((h) => socketAddress(h, where)) };
    }
    case 'http': case 'https': case 'ftp': case 'ftps': {
      const cookie = s.cookies?.map((c) => `${c.name}=${c.value}`).join('; ');
      return {
        driver: protocol, url: curlUrl(s, where),
        ...(s.sslVerify !== undefined ? { sslverify: s.sslVerify } : {}),
        ...(cookie ? { cookie } : {}),
        ...(s.timeout ? { timeout: s.timeout } : {}),
        ...(s.readahead ? { readahead: s.readahead } : {}),
      };
    }
    case 'ssh': {
      const h = oneHost(s, where);
      return { driver: 'ssh', path: s.name, server: inetAddress(h, where) };
    }
    case 'nfs': {
      const h = oneHost(s, where);
      if (s.identity) throw unsupported(`${where}: <identity> of an nfs disk needs the host's user and group ids, which tsvirt does not resolve`);
      return { driver: 'nfs', server: { host: h.name, type: 'inet' }, path: s.name };
    }
    default:
      throw unsupported(`${where}: network disk protocol '${protocol}' is not supported`);
  }
}

/** Storage node of a disk that is neither a file nor a block device; undefined: no media. */
export function otherStorageProps(disk: Disk): Props | undefined {
  const s = disk.source;
  const where = `disk '${disk.target.dev}'`;
  switch (disk.type) {
    case 'network':
      return s?.protocol ? networkStorageProps(disk, s) : undefined;
    case 'dir':
      if (!s?.dir) return undefined;
      if (disk.driver?.type !== 'fat') throw unsupported(`${where}: a type='dir' disk needs <driver type='fat'/> (QEMU's vvfat)`);
      return { driver: 'vvfat', dir: s.dir, floppy: disk.device === 'floppy', rw: !(disk.readonly || disk.device === 'cdrom') };
    case 'nvme':
      throw unsupported(`${where}: an NVMe disk needs its host controller bound to vfio-pci for QEMU's userspace nvme driver, which tsvirt does not do for disks`);
    case 'vhostuser':
      return undefined; // no block node: QEMU's vhost-user-blk device talks to the backend itself
    default:
      return undefined;
  }
}
