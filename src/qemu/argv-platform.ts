// Platform devices: the IOMMU (before the PCI devices it translates for, as libvirt's
// qemuBuildIOMMUCommandLine), TPM (-tpmdev + tpm-tis/tpm-crb), ivshmem shared memory
// (memory-backend-file share=on in /dev/shm, or the doorbell's server socket), vhost-vsock, and
// the refusal of <lease> (no lock manager).
import { TsvirtError } from '../util/errors.js';
import type { Domain, Shmem, Tpm } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, keyValues, pciProps, requireDevice } from './argv-common.js';

const unsupported = (m: string) => new TsvirtError('config-unsupported', m);

/** Default guest CID for <cid auto='yes'/>: the first one guests may use (libvirt probes the host for a free one). */
export const AUTO_VSOCK_CID = 3;

export function iommuArgs(dom: Domain, caps: QemuCaps): ArgPair[] {
  return (dom.devices.iommus ?? []).map((io, i) => {
    const where = 'iommu';
    const id = `iommu${i}`;
    if (io.model === 'intel') {
      requireDevice(caps, 'intel-iommu', where);
      const d = io.driver ?? {};
      const props: Props = { driver: 'intel-iommu', id };
      if (d.intremap !== undefined) props.intremap = d.intremap ? 'on' : 'off';
      if (d.cachingMode !== undefined) props['caching-mode'] = d.cachingMode;
      if (d.eim !== undefined) props.eim = d.eim ? 'on' : 'off';
      if (d.iotlb !== undefined) props['device-iotlb'] = d.iotlb;
      if (d.awBits !== undefined) props['aw-bits'] = d.awBits;
      return jsonArg('-device', props);
    }
    if (io.model === 'virtio') {
      requireDevice(caps, 'virtio-iommu-pci', where);
      return jsonArg('-device', { driver: 'virtio-iommu-pci', id, ...pciProps(dom, io.address, where) });
    }
    throw unsupported(`IOMMU device: '${io.model}' is not supported with this QEMU binary`);
  });
}

function tpmArgs(t: Tpm, i: number, caps: QemuCaps): ArgPair[] {
  const id = `tpm${i}`;
  const where = `tpm ${i}`;
  const model = t.model ?? 'tpm-tis';
  if (model !== 'tpm-tis' && model !== 'tpm-crb') throw unsupported(`TPM model '${model}' is only available for PPC64 guests`);
  requireDevice(caps, model, where);
  const be = t.backend;
  const out: ArgPair[] = [];
  switch (be.type) {
    case 'passthrough': {
      const path = be.devicePath ?? '/dev/tpm0';
      const dev = path.replace(/^.*\//, '');
      out.push(['-tpmdev', keyValues('passthrough', [['id', `tpm-${id}`], ['path', path], ['cancel-path', `/sys/class/tpm/${dev}/device/cancel`]])]);
      break;
    }
    case 'external':
      out.push(['-chardev', keyValues('socket', [['id', 'chrtpm'], ['path', be.source!.path]])]);
      out.push(['-tpmdev', keyValues('emulator', [['id', `tpm-${id}`], ['chardev', 'chrtpm']])]);
      break;
    case 'emulator':
      // the swtpm is started at start (swtpm.ts, through the hostdev resources) and named here
      if (!be.socket) throw unsupported(`${where}: the TPM emulator backend needs the swtpm that tsvirt starts with the domain (none was started)`);
      out.push(['-chardev', keyValues('socket', [['id', 'chrtpm'], ['path', be.socket]])]);
      out.push(['-tpmdev', keyValues('emulator', [['id', `tpm-${id}`], ['chardev', 'chrtpm']])]);
      break;
  }
  out.push(jsonArg('-device', { driver: model, tpmdev: `tpm-${id}`, id }));
  return out;
}

function shmemArgs(dom: Domain, s: Shmem, i: number, caps: QemuCaps): ArgPair[] {
  const id = `shmem${i}`;
  const where = `shmem '${s.name}'`;
  const model = s.model ?? 'ivshmem';
  if (model === 'ivshmem') throw unsupported('ivshmem device is not supported with this QEMU binary');
  requireDevice(caps, model, where);
  const out: ArgPair[] = [];
  const props: Props = { driver: model, id };
  if (model === 'ivshmem-plain') {
    const memdev = `shmmem-${id}`;
    out.push(jsonArg('-object', { 'qom-type': 'memory-backend-file', id: memdev, 'mem-path': `/dev/shm/${s.name}`, share: true, size: (s.size ?? 4096) * 1024 }));
    props.memdev = memdev;
  } else {
    // libvirt's default server socket when <server/> names none
    out.push(['-chardev', keyValues('socket', [['id', `char${id}`], ['path', s.server?.path ?? `/var/lib/libvirt/shmem-${s.name}-sock`]])]);
    props.chardev = `char${id}`;
    if (s.role) props.master = s.role === 'master' ? 'on' : 'off';
    if (s.msi?.vectors !== undefined) props.vectors = s.msi.vectors;
    if (s.msi?.ioeventfd !== undefined) props.ioeventfd = s.msi.ioeventfd;
  }
  if (model === 'ivshmem-plain' && s.role) props.master = s.role === 'master' ? 'on' : 'off';
  out.push(jsonArg('-device', { ...props, ...pciProps(dom, s.address, where) }));
  return out;
}

/** TPM, shared memory and vsock devices (after host devices, in libvirt's order), and the <lease> refusal. */
export function platformArgs(dom: Domain, caps: QemuCaps): ArgPair[] {
  const d = dom.devices;
  if (d.leases?.length) throw unsupported('<lease> needs a lock manager (such as sanlock), which tsvirt does not have');
  const out: ArgPair[] = [];
  (d.tpms ?? []).forEach((t, i) => out.push(...tpmArgs(t, i, caps)));
  (d.shmems ?? []).forEach((s, i) => out.push(...shmemArgs(dom, s, i, caps)));
  (d.vsocks ?? []).forEach((v, i) => {
    const where = 'vsock';
    const driver = v.model === 'virtio-transitional' ? 'vhost-vsock-pci-transitional' : v.model === 'virtio-non-transitional' ? 'vhost-vsock-pci-non-transitional' : 'vhost-vsock-pci';
    requireDevice(caps, driver, where);
    const cid = v.cid?.address ?? (v.cid?.auto ? AUTO_VSOCK_CID : undefined);
    if (cid === undefined) throw unsupported("vsock: a guest CID is needed: <cid address='N'/> or <cid auto='yes'/>");
    out.push(jsonArg('-device', { driver, id: `vsock${i}`, 'guest-cid': cid, ...pciProps(dom, v.address, where) }));
  });
  return out;
}
