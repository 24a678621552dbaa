// <filesystem> shares (libvirt's qemuBuildFilesystemCommandLine): 9p is QEMU's own
// -fsdev local + virtio-9p-pci; virtiofs is a vhost-user-fs-pci talking over a unix socket
// to a virtiofsd that tsvirt starts before QEMU (virtiofsd.ts), or to one the user runs
// (<source socket=>).
import * as path from 'node:path';
import { TsvirtError } from '../util/errors.js';
import type { Domain, Filesystem } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, keyValues, optValue, pciProps, requireDevice } from './argv-common.js';
import { virtioDriverProps } from './argv-virtio-driver.js';
import { hasSharedMemory } from '../conf/domain-fs-xml.js';

const unsupported = (m: string) => new TsvirtError('config-unsupported', m);

export const fsAlias = (index: number) => `fs${index}`;

/** The vhost-user socket of a virtiofs share: the user's <source socket=>, else fsN-fs.sock in the domain's run folder (as libvirt). */
export function virtiofsSocketPath(fs: Filesystem, index: number, runDir: string): string {
  return fs.source?.socket ?? path.join(runDir, `${fsAlias(index)}-fs.sock`);
}

function virtioModel(base: string, fs: Filesystem): string {
  if (fs.model === 'virtio-transitional') return `${base}-pci-transitional`;
  if (fs.model === 'virtio-non-transitional') return `${base}-pci-non-transitional`;
  return `${base}-pci`;
}

function ninePArgs(dom: Domain, caps: QemuCaps, fs: Filesystem, index: number): ArgPair[] {
  const alias = fsAlias(index);
  const drv = fs.driver?.type;
  if (drv === 'handle') throw unsupported("<filesystem> driver 'handle' was removed from QEMU (4.0); use 'path'");
  const dir = fs.source?.dir;
  if (dir === undefined) throw unsupported(`filesystem '${fs.target.dir}' has no <source dir>`);
  const security = { passthrough: 'passthrough', mapped: 'mapped', squash: 'none' }[fs.accessmode ?? 'passthrough'];
  const octal = (n: number | undefined) => (n ? n.toString(8).padStart(4, '0') : undefined);
  let fsdev = keyValues('local', [
    ['security_model', security], ['multidevs', fs.multidevs], ['fmode', octal(fs.fmode)], ['dmode', octal(fs.dmode)],
    ['writeout', fs.driver?.wrpolicy], ['id', `fsdev-${alias}`],
  ]);
  fsdev += `,path=${optValue(dir)}`;
  if (fs.readonly) fsdev += ',readonly=on';
  const driver = virtioModel('virtio-9p', fs);
  requireDevice(caps, driver, `filesystem ${alias}`);
  const dev: Props = {
    driver, ...virtioDriverProps(fs.driver?.virtio), id: alias, fsdev: `fsdev-${alias}`, mount_tag: fs.target.dir,
    ...pciProps(dom, fs.address, `filesystem ${alias}`),
  };
  return [['-fsdev', fsdev], jsonArg('-device', dev)];
}

/** The vhost-user-fs-pci device body (also what hot-plug would send). */
export function virtiofsDeviceProps(dom: Domain, fs: Filesystem, index: number): Props {
  const alias = fsAlias(index);
  const props: Props = { driver: 'vhost-user-fs-pci', ...virtioDriverProps(fs.driver?.virtio), id: alias, chardev: `chr-vu-${alias}` };
  if (fs.driver?.queue) props['queue-size'] = fs.driver.queue;
  props.tag = fs.target.dir;
  if (fs.boot) props.bootindex = fs.boot.order;
  return { ...props, ...pciProps(dom, fs.address, `filesystem ${alias}`) };
}

export function fsArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext): ArgPair[] {
  const out: ArgPair[] = [];
  (dom.devices.filesystems ?? []).forEach((fs, i) => {
    if (fs.type !== 'mount') throw unsupported(`filesystem type '${fs.type}' is not supported by QEMU (only mount)`);
    const drv = fs.driver?.type;
    if (drv === 'loop' || drv === 'nbd' || drv === 'ploop') throw unsupported('Filesystem driver type not supported');
    if (drv !== 'virtiofs') {
      out.push(...ninePArgs(dom, caps, fs, i));
      return;
    }
    requireDevice(caps, 'vhost-user-fs-pci', `filesystem ${fsAlias(i)}`);
    if (!hasSharedMemory(dom)) throw unsupported("'virtiofs' requires shared memory");
    out.push(['-chardev', keyValues('socket', [['id', `chr-vu-${fsAlias(i)}`], ['path', virtiofsSocketPath(fs, i, ctx.channelDir)]])]);
    out.push(jsonArg('-device', virtiofsDeviceProps(dom, fs, i)));
  });
  return out;
}
