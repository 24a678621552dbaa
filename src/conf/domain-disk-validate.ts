// libvirt 9.0's define-time checks of a disk and its storage source (qemuDomainValidateStorageSource,
// qemuValidateDomainDeviceDefDisk*) that concern the elements modelled in domain-disk-xml.ts.
// Messages are libvirt's, so users can compare them.
import type { BackingStore, Disk, DiskSource, DiskType, Domain } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { hasSharedMemory } from './domain-fs-xml.js';

const unsupported = (m: string) => new TsvirtError('config-unsupported', m);
const HTTP = ['http', 'https'];
const CURL = ['http', 'https', 'ftp', 'ftps'];

/** One storage source of type `type` with image format `format`. */
function validateSource(type: DiskType, format: string | undefined, s: DiskSource | undefined, readonly: boolean): void {
  if (format === 'cow') throw unsupported("'cow' storage format is not supported");
  if (format === 'dir') throw unsupported("'directory' storage format is not directly supported by QEMU, use 'dir' disk type instead");
  if (format === 'iso') throw unsupported("storage format 'iso' is not directly supported by QEMU, use 'raw' instead");
  if (format === 'fat' && type !== 'volume' && type !== 'dir') throw unsupported("storage format 'fat' is supported only with 'dir' storage type");
  if (type === 'dir') {
    if (format && format !== 'fat') throw unsupported("storage type 'dir' requires use of storage format 'fat'");
    if (!readonly) throw unsupported("virtual FAT storage can't be accessed in read-write mode");
  }
  if (!s) return;
  const net = type === 'network';
  const p = s.protocol ?? '';
  if (s.sslVerify !== undefined && !(net && (p === 'https' || p === 'ftps'))) throw unsupported('ssl verification is supported only with HTTPS/FTPS protocol');
  if (s.cookies?.length && !(net && HTTP.includes(p))) throw unsupported('http cookies are supported only with HTTP(S) protocol');
  if (s.readahead && !(net && CURL.includes(p))) throw unsupported('readahead is supported only with HTTP(S)/FTP(s) protocols');
  if (s.timeout && !(net && CURL.includes(p))) throw unsupported('timeout is supported only with HTTP(S)/FTP(s) protocols');
  if (s.query !== undefined && !(net && HTTP.includes(p))) throw unsupported('query is supported only with HTTP(S) protocols');
  // QEMU 2.8 dropped tftp; sheepdog and vxhs are accepted here as libvirt does and refused at start
  if (net && p === 'tftp') throw unsupported("'tftp' protocol is not supported with this QEMU binary");
  if (net && p === 'nfs') {
    if (s.hosts?.length !== 1) throw unsupported("'nfs' protocol requires the usage of exactly one host");
    if (s.hosts[0].transport) throw unsupported("'nfs' host must use TCP protocol");
    if (s.hosts[0].port) throw unsupported("port cannot be specified in 'nfs' protocol host");
  }
  for (const c of s.cookies ?? []) {
    // RFC 6265 cookie-octets: no controls, whitespace, double quote, comma, semicolon or backslash
    if (/[\s",;\\]/.test(c.value.replace(/^"(.*)"$/, '$1'))) throw unsupported(`value of cookie '${c.name}' contains invalid characters`);
  }
  if (s.auth && type === 'network') validateAuth(p, s.auth.secret.type);
  const enc = s.encryption;
  if (enc) {
    if (enc.format === 'default' || enc.format === 'qcow') throw unsupported('old qcow/qcow2 encryption is not supported');
    if ((enc.engine ?? 'qemu') === 'qemu') {
      if (enc.format === 'luks2') throw unsupported('luks2 is currently not supported by the qemu encryption engine');
      if (format !== 'qcow2' && format !== 'raw') throw unsupported("encryption is supported only with 'raw' and 'qcow2' image format");
    } else if (!(net && p === 'rbd')) throw unsupported('librbd encryption is supported only with RBD backed disks');
  }
  if (s.tlsHostname !== undefined && !(net && p === 'nbd')) throw unsupported("'tlsHostname' field is supported only with NBD disks");
}

const SECRET_USAGES = ['none', 'volume', 'ceph', 'iscsi', 'tls', 'vtpm'];

/** virDomainDiskDefValidateSourceChainOne: which protocols take <auth>, with which secret usage. */
function validateAuth(protocol: string, secretType: string | undefined): void {
  if (!['iscsi', 'http', 'https', 'ftp', 'ftps', 'ssh', 'rbd'].includes(protocol)) throw unsupported(`authentication is not supported for protocol '${protocol}'`);
  if (secretType === undefined || !SECRET_USAGES.includes(secretType)) throw unsupported(`unknown secret type '${secretType ?? '<null>'}'`);
  if ((protocol === 'iscsi' && secretType !== 'iscsi') || (protocol === 'rbd' && secretType !== 'ceph')) throw unsupported(`invalid secret type '${secretType}'`);
}

export function validateDisks(dom: Domain): void {
  for (const d of dom.devices.disks) {
    const readonly = !!d.readonly || d.device === 'cdrom';
    // disk-level <encryption> belongs to the top image as well
    const top = d.source && (d.encryption || d.auth) ? { ...d.source, encryption: d.encryption ?? d.source.encryption, auth: d.auth ?? d.source.auth } : d.source;
    validateSource(d.type, d.driver?.type, top, readonly);
    for (let b: BackingStore | undefined = d.backingStore; b?.type; b = b.backingStore) validateSource(b.type, b.format, b.source, true);
    validateDisk(d);
    if (d.type === 'vhostuser' && !hasSharedMemory(dom)) throw unsupported("'vhostuser' requires shared memory");
  }
}

function validateDisk(d: Disk): void {
  const bus = d.target.bus;
  if (d.readonly && d.device === 'disk' && (bus === 'ide' || bus === 'sata')) throw unsupported(`readonly ${bus} disks are not supported`);
  if (d.driver?.io === 'native' && d.driver.cache !== 'directsync' && d.driver.cache !== 'none') {
    throw unsupported("io='native' needs either no disk cache or directsync cache mode");
  }
  if (bus === 'usb' && d.address && d.address.type !== 'usb') throw new TsvirtError('internal-error', 'unexpected address type for usb disk');
  if (d.shareable && !d.readonly && d.driver?.type !== 'raw') throw unsupported(`shared access for disk '${d.target.dev}' requires use of supported storage format`);
  const name = d.driver?.name;
  if (name !== undefined && name !== 'qemu') throw unsupported(`unsupported driver name '${name}' for disk '${d.target.dev}'`);
  const part = /^(?:fd|hd|vd|sd|xvd|ubd)[a-z]+(\d+)$/.exec(d.target.dev);
  if (part && Number(part[1]) !== 0) throw unsupported(`invalid disk target '${d.target.dev}', partitions can't appear in disk targets`);
  if (d.device === 'lun') {
    if (d.type === 'network') {
      if (d.source?.protocol !== 'iscsi') throw unsupported(`disk device='lun' is not supported for protocol='${d.source?.protocol}'`);
    } else if (d.type !== 'block' && d.type !== 'volume') throw unsupported("disk device='lun' is only valid for block type disk source");
    if (d.driver?.type && d.driver.type !== 'raw') throw unsupported("disk device 'lun' must use 'raw' format");
    if (d.source?.sliceStorage) throw unsupported("disk device 'lun' doesn't support storage slice");
  }
  if (d.driver?.metadataCacheMaxSize && d.driver.type !== 'qcow2') throw unsupported('metadata cache max size control is supported only with qcow2 images');
  if (d.target.rotationRate) {
    if (bus !== 'scsi' && bus !== 'ide' && bus !== 'sata') throw unsupported('rotation rate is only valid for SCSI/IDE/SATA bus');
    if (d.device !== 'disk') throw unsupported('rotation rate is only valid for disk device');
  }
  if ((d.vendor || d.product) && bus !== 'scsi') throw unsupported('Only scsi disk supports vendor and product');
  if (d.device === 'lun' && d.wwn) throw unsupported('Setting wwn is not supported for lun device');
  if (d.wwn && bus !== 'scsi' && bus !== 'ide') throw unsupported('Only ide and scsi disk support wwn');
  if (d.driver?.copyOnRead === 'on' && (d.device === 'cdrom' || d.device === 'floppy')) throw unsupported(`copy_on_read is not supported with removable disk '${d.target.dev}'`);
  if (d.driver?.copyOnRead === 'on' && d.device === 'lun') throw unsupported(`copy_on_read is not compatible with 'lun' disk '${d.target.dev}'`);
  const io = d.iotune;
  if (io?.group_name !== undefined && !Object.entries(io).some(([k, v]) => k !== 'group_name' && v)) {
    throw unsupported('group_name can be configured only together with settings');
  }
  if (io) {
    for (const k of ['bytes_sec', 'iops_sec', 'bytes_sec_max', 'iops_sec_max'] as const) {
      const t = io[`total_${k}`];
      if (t && (io[`read_${k}`] || io[`write_${k}`])) throw unsupported(`total and read/write ${k} cannot be set at the same time`);
    }
  }
  if (bus !== 'virtio') {
    const v = d.driver ?? {};
    if (d.model) throw unsupported(`disk model '${d.model}' not supported for bus '${bus}'`);
    if (v.queues) throw unsupported('queues attribute in disk driver element is only supported by virtio-blk');
    if (v.eventIdx) throw unsupported('disk event_idx mode supported only for virtio bus');
    if (v.ioeventfd) throw unsupported('disk ioeventfd mode supported only for virtio bus');
    for (const [on, what] of [[v.iommu, 'iommu driver'], [v.ats, 'ats driver'], [v.packed, 'packed driver'], [v.pagePerVq, 'page_per_vq']] as const) {
      if (on) throw unsupported(`${what} option is only supported for virtio devices`);
    }
  }
  if (d.source?.nvme?.namespace === 0) throw unsupported("NVMe namespace can't be zero");
  if (d.target.tray === 'open' && d.device !== 'cdrom' && d.device !== 'floppy') throw unsupported('tray is only valid for cdrom and floppy');
  if (d.type === 'vhostuser') {
    if (bus !== 'virtio') throw unsupported('vhostuser disk supports only virtio bus');
    if (d.snapshot !== 'no') throw unsupported('only snapshot=no is supported with vhostuser disk');
    const v = d.driver ?? {};
    const refused: Array<[unknown, string]> = [[v.cache, 'cache'], [v.errorPolicy ?? v.rerrorPolicy, 'error_policy'], [v.io, 'io'], [v.ioeventfd, 'ioeventfd'],
      [v.copyOnRead, 'copy_on_read'], [v.discard, 'discard'], [v.iothread, 'iothread'], [v.detectZeroes, 'detect_zeroes'], [v.metadataCacheMaxSize, 'metadata_cache']];
    for (const [val, name] of refused) if (val !== undefined) throw unsupported(`${name} is not supported with vhostuser disk`);
    if (d.iotune) throw unsupported('iotune is not supported with vhostuser disk');
  }
}
