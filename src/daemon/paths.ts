// Where an instance keeps its state (see ARCHITECTURE.md "Where state lives").
// system: root's FHS paths; session: XDG folders of the user; --root DIR: everything under DIR.
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { sessionRunDir, socketName, systemRunDir } from '../protocol/uri.js';

export interface InstancePaths {
  kind: 'system' | 'session' | 'root';
  /** persistent definitions: <configDir>/qemu/<name>.xml, autostart links in qemu/autostart */
  configDir: string;
  qemuConfigDir: string;
  autostartDir: string;
  /** live status files: <qemuRunDir>/<name>.xml, and per-domain folders with sockets */
  runDir: string;
  qemuRunDir: string;
  socket: string;
  roSocket: string;
  /** libvirt's remote protocol (virsh, virt-manager, libvirt-python): read-write and read-only */
  libvirtSocket: string;
  libvirtRoSocket: string;
  /** images of the default pool */
  imagesDir: string;
  /** QEMU logs: <qemuLogDir>/<name>.log and per-chardev logs */
  qemuLogDir: string;
  cacheDir: string;
  /** node device settings kept across restarts (<configDir>/nodedev/sriov.json) */
  nodedevConfigDir?: string;
  /** swtpm of emulator TPMs: state <stateDir>/<uuid>/tpm2, control sockets, logs */
  swtpm?: { stateDir: string; runDir: string; logDir: string };
  /** snapshot metadata, as libvirt keeps it: <snapshotDir>/<domain>/<snapshot>.xml */
  snapshotDir?: string;
}

function layout(kind: InstancePaths['kind'], dirs: { config: string; run: string; lib: string; log: string; cache: string }): InstancePaths {
  return {
    kind,
    configDir: dirs.config,
    qemuConfigDir: path.join(dirs.config, 'qemu'),
    autostartDir: path.join(dirs.config, 'qemu', 'autostart'),
    runDir: dirs.run,
    qemuRunDir: path.join(dirs.run, 'qemu'),
    socket: path.join(dirs.run, socketName(false)),
    roSocket: path.join(dirs.run, socketName(true)),
    libvirtSocket: path.join(dirs.run, 'libvirt-sock'),
    libvirtRoSocket: path.join(dirs.run, 'libvirt-sock-ro'),
    imagesDir: path.join(dirs.lib, 'images'),
    qemuLogDir: path.join(dirs.log, 'qemu'),
    cacheDir: dirs.cache,
    nodedevConfigDir: path.join(dirs.config, 'nodedev'),
    swtpm: { stateDir: path.join(dirs.lib, 'swtpm'), runDir: path.join(dirs.run, 'swtpm'), logDir: path.join(dirs.log, 'swtpm') },
    snapshotDir: path.join(dirs.lib, 'qemu', 'snapshot'),
  };
}

export function systemPaths(): InstancePaths {
  return layout('system', {
    config: '/etc/tsvirt', run: systemRunDir(), lib: '/var/lib/tsvirt', log: '/var/log/tsvirt', cache: '/var/cache/tsvirt',
  });
}

export function sessionPaths(): InstancePaths {
  const home = os.homedir();
  const config = process.env.XDG_CONFIG_HOME ?? path.join(home, '.config');
  const data = process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share');
  const cache = process.env.XDG_CACHE_HOME ?? path.join(home, '.cache');
  return layout('session', {
    config: path.join(config, 'tsvirt'), run: sessionRunDir(), lib: path.join(data, 'tsvirt'),
    log: path.join(cache, 'tsvirt', 'log'), cache: path.join(cache, 'tsvirt'),
  });
}

/** A fully isolated instance under one folder (tests, benchmarks). Same layout as the system one. */
export function rootPaths(root: string): InstancePaths {
  const r = path.resolve(root);
  return layout('root', {
    config: path.join(r, 'etc/tsvirt'), run: path.join(r, 'run/tsvirt'), lib: path.join(r, 'var/lib/tsvirt'),
    log: path.join(r, 'var/log/tsvirt'), cache: path.join(r, 'var/cache/tsvirt'),
  });
}

export async function ensureDirs(p: InstancePaths): Promise<void> {
  for (const d of [p.qemuConfigDir, p.autostartDir, p.qemuRunDir, p.imagesDir, p.qemuLogDir, p.cacheDir]) {
    await fs.mkdir(d, { recursive: true, mode: 0o755 });
  }
}
