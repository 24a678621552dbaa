// TEST FIXTURE: a fake host root (/sys, /dev/vfio) that behaves like the Linux kernel for
// the files tsvirt writes. Production code never imports this; it only sees the tree
// through the HostRoot this fixture builds. Design: HostRoot.write() calls the `onWrite`
// hook installed here instead of a plain file write, and the hook plays the kernel's part
// synchronously (moves driver links, creates or removes VFs, refuses with an errno code
// like the kernel). So production's one write path is exactly what gets exercised.
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { HostRoot } from '../host-root.js';

export interface FakePciSpec {
  address: string;
  vendor: number;
  device: number;
  /** 24-bit class code */
  class: number;
  /** the driver the "kernel" binds at boot and on drivers_probe */
  driver?: string;
  headerType?: number;
  iommuGroup?: number;
  numaNode?: number;
  /** PCI address of the bridge above it */
  parent?: string;
  subsystem?: [number, number];
  link?: { cap: [string, number]; sta: [string, number] };
  sriov?: { totalVfs: number; vfDevice: number; vfDriver?: string; offset?: number; stride?: number };
  net?: string[];
}

const errno = (code: string, msg: string) => Object.assign(new Error(`${code}: ${msg}`), { code });
const hex = (n: number, w: number) => '0x' + n.toString(16).padStart(w, '0');

export class FakeSysfs {
  readonly dir: string;
  readonly root: HostRoot;
  /** commands run through the root's runner, e.g. ['modprobe', 'vfio-pci'] */
  readonly commands: string[][] = [];
  readonly resets: string[] = [];
  private readonly native = new Map<string, string | undefined>();
  private readonly specs = new Map<string, FakePciSpec>();

  constructor(specs: FakePciSpec[], opts: { iommu?: boolean; vfioLoaded?: boolean } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'tsvirt-fake-sysfs-'));
    this.root = new HostRoot(this.dir, { onWrite: (p, v) => this.kernelWrite(p, v), runner: async (c, a) => this.command(c, a) });
    for (const d of ['/sys/bus/pci/devices', '/sys/bus/pci/drivers', '/sys/kernel/iommu_groups', '/sys/devices/pci0000:00', '/dev/vfio']) this.mkdir(d);
    this.file('/sys/bus/pci/drivers_probe', '');
    if (opts.iommu === false) for (const s of specs) delete s.iommuGroup;
    for (const s of specs) this.addDevice(s);
    if (opts.vfioLoaded) this.loadVfio();
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every file (with its content) and link (with its target) of the tree, for before/after checks. */
  snapshot(): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (rel: string) => {
      for (const name of readdirSync(join(this.dir, rel)).sort()) {
        const r = posix.join(rel, name);
        const st = lstatSync(join(this.dir, r));
        if (st.isSymbolicLink()) out[r] = '-> ' + readlinkSync(join(this.dir, r));
        else if (st.isDirectory()) { out[r + '/'] = ''; walk(r); }
        else out[r] = readFileSync(join(this.dir, r), 'latin1');
      }
    };
    walk('/');
    return out;
  }

  /** Binds a device to a driver as if the host had done it (setting up a test case). */
  bindTo(address: string, driver: string | undefined): void {
    if (this.driverOf(address)) this.unbind(address);
    if (driver) this.bind(address, driver);
  }

  driverOf(address: string): string | undefined {
    try {
      return posix.basename(readlinkSync(this.p(`/sys/bus/pci/devices/${address}/driver`)));
    } catch {
      return undefined;
    }
  }

  // ---- building the tree ----

  private p(hostPath: string): string {
    return join(this.dir, hostPath);
  }
  private mkdir(hostPath: string): void {
    mkdirSync(this.p(hostPath), { recursive: true });
  }
  private file(hostPath: string, text: string | Buffer): void {
    writeFileSync(this.p(hostPath), text);
  }
  private link(hostPath: string, targetHostPath: string): void {
    symlinkSync(posix.relative(posix.dirname(hostPath), targetHostPath), this.p(hostPath));
  }
  private devDir(address: string): string {
    const s = this.specs.get(address);
    return s?.parent ? `${this.devDir(s.parent)}/${address}` : `/sys/devices/pci0000:00/${address}`;
  }

  private addDevice(s: FakePciSpec): void {
    this.specs.set(s.address, s);
    const d = this.devDir(s.address);
    this.mkdir(d);
    const config = Buffer.alloc(64);
    config.writeUInt16LE(s.vendor, 0);
    config.writeUInt16LE(s.device, 2);
    config[0x0e] = s.headerType ?? 0;
    this.file(`${d}/config`, config);
    this.file(`${d}/vendor`, hex(s.vendor, 4) + '\n');
    this.file(`${d}/device`, hex(s.device, 4) + '\n');
    this.file(`${d}/class`, hex(s.class, 6) + '\n');
    this.file(`${d}/subsystem_vendor`, hex(s.subsystem?.[0] ?? s.vendor, 4) + '\n');
    this.file(`${d}/subsystem_device`, hex(s.subsystem?.[1] ?? s.device, 4) + '\n');
    this.file(`${d}/numa_node`, `${s.numaNode ?? -1}\n`);
    this.file(`${d}/driver_override`, '(null)\n');
    if ((s.headerType ?? 0) === 0) this.file(`${d}/reset`, '');
    if (s.link) {
      this.file(`${d}/max_link_speed`, `${s.link.cap[0]} GT/s PCIe\n`);
      this.file(`${d}/max_link_width`, `${s.link.cap[1]}\n`);
      this.file(`${d}/current_link_speed`, `${s.link.sta[0]} GT/s PCIe\n`);
      this.file(`${d}/current_link_width`, `${s.link.sta[1]}\n`);
    }
    if (s.sriov) {
      this.file(`${d}/sriov_totalvfs`, `${s.sriov.totalVfs}\n`);
      this.file(`${d}/sriov_numvfs`, '0\n');
      this.file(`${d}/sriov_offset`, `${s.sriov.offset ?? 1}\n`);
      this.file(`${d}/sriov_stride`, `${s.sriov.stride ?? 1}\n`);
    }
    for (const n of s.net ?? []) this.mkdir(`${d}/net/${n}`);
    this.link(`/sys/bus/pci/devices/${s.address}`, d);
    if (s.iommuGroup !== undefined) {
      const g = `/sys/kernel/iommu_groups/${s.iommuGroup}`;
      this.mkdir(`${g}/devices`);
      this.link(`${g}/devices/${s.address}`, d);
      this.link(`${d}/iommu_group`, g);
    }
    this.native.set(s.address, s.driver);
    if (s.driver) this.bind(s.address, s.driver);
  }

  private ensureDriver(name: string): string {
    const dd = `/sys/bus/pci/drivers/${name}`;
    if (!existsSync(this.p(dd))) {
      this.mkdir(dd);
      this.file(`${dd}/bind`, '');
      this.file(`${dd}/unbind`, '');
    }
    return dd;
  }

  private bind(address: string, driver: string): void {
    const dd = this.ensureDriver(driver);
    const d = this.devDir(address);
    this.link(`${d}/driver`, dd);
    this.link(`${dd}/${address}`, d);
    const group = this.specs.get(address)?.iommuGroup;
    if (driver === 'vfio-pci' && group !== undefined) this.file(`/dev/vfio/${group}`, '');
  }

  private unbind(address: string): void {
    const driver = this.driverOf(address);
    if (!driver) return;
    const d = this.devDir(address);
    unlinkSync(this.p(`${d}/driver`));
    unlinkSync(this.p(`/sys/bus/pci/drivers/${driver}/${address}`));
    const group = this.specs.get(address)?.iommuGroup;
    if (driver === 'vfio-pci' && group !== undefined) {
      const still = readdirSync(this.p(`/sys/kernel/iommu_groups/${group}/devices`)).some((a) => this.driverOf(a) === 'vfio-pci');
      if (!still) rmSync(this.p(`/dev/vfio/${group}`), { force: true });
    }
  }

  private loadVfio(): void {
    this.ensureDriver('vfio-pci');
    this.mkdir('/sys/module/vfio_pci');
    this.file('/dev/vfio/vfio', '');
  }

  // ---- the kernel's side ----

  private async command(cmd: string, args: readonly string[]): Promise<void> {
    this.commands.push([cmd, ...args]);
    if (cmd === 'modprobe' && args[0] === 'vfio-pci') return this.loadVfio();
    throw new Error(`fake host: unknown command ${cmd} ${args.join(' ')}`);
  }

  private kernelWrite(hostPath: string, value: string): void {
    const v = value.trim();
    let m: RegExpExecArray | null;
    if (hostPath === '/sys/bus/pci/drivers_probe') return this.probe(this.device(v));
    if ((m = /^\/sys\/bus\/pci\/drivers\/([^/]+)\/(bind|unbind)$/.exec(hostPath))) {
      const a = this.device(v);
      if (!existsSync(this.p(hostPath))) throw errno('ENOENT', hostPath);
      if (m[2] === 'unbind') {
        if (this.driverOf(a) !== m[1]) throw errno('ENODEV', `${a} is not bound to ${m[1]}`);
        return this.unbind(a);
      }
      if (this.driverOf(a)) throw errno('EBUSY', `${a} already has a driver`);
      return this.bindChecked(a, m[1]!);
    }
    if ((m = /^\/sys\/bus\/pci\/devices\/([^/]+)\/(driver_override|sriov_numvfs|reset)$/.exec(hostPath))) {
      const a = this.device(m[1]!);
      const f = `${this.devDir(a)}/${m[2]}`;
      if (!existsSync(this.p(f))) throw errno('ENOENT', hostPath);
      if (m[2] === 'driver_override') return this.file(f, (v === '' ? '(null)' : v) + '\n');
      if (m[2] === 'reset') return void this.resets.push(a);
      return this.setNumVfs(a, v);
    }
    throw errno('EACCES', `the fake kernel does not expect a write to ${hostPath}`);
  }

  private device(address: string): string {
    if (!this.specs.has(address) || !existsSync(this.p(`/sys/bus/pci/devices/${address}`))) throw errno('ENODEV', address);
    return address;
  }

  private probe(address: string): void {
    if (this.driverOf(address)) return;
    const o = readFileSync(this.p(`${this.devDir(address)}/driver_override`), 'utf8').trim();
    const target = o !== '(null)' ? o : this.native.get(address);
    if (!target || !existsSync(this.p(`/sys/bus/pci/drivers/${target}`))) return;
    try {
      this.bindChecked(address, target);
    } catch {
      // a failing probe leaves the device without a driver, as the kernel does
    }
  }

  private bindChecked(address: string, driver: string): void {
    const s = this.specs.get(address)!;
    if (driver === 'vfio-pci' && (s.headerType ?? 0) !== 0) throw errno('EINVAL', 'vfio-pci: not an endpoint');
    this.bind(address, driver);
  }

  private setNumVfs(pf: string, value: string): void {
    const s = this.specs.get(pf)!;
    const n = Number(value);
    if (!/^\d+$/.test(value) || !s.sriov) throw errno('EINVAL', value);
    const file = `${this.devDir(pf)}/sriov_numvfs`;
    const cur = Number(readFileSync(this.p(file), 'utf8'));
    if (n === cur) return;
    if (n > s.sriov.totalVfs) throw errno('ERANGE', `${n} > ${s.sriov.totalVfs}`);
    if (n !== 0 && cur !== 0) throw errno('EBUSY', `${cur} VFs already enabled`);
    if (n === 0) {
      for (let i = 0; i < cur; i++) this.removeVf(pf, i);
    } else {
      for (let i = 0; i < n; i++) this.addVf(pf, s, i);
    }
    this.file(file, `${n}\n`);
  }

  private vfAddress(pf: string, s: FakePciSpec, i: number): string {
    const [dom, bus, sf] = [pf.slice(0, 4), parseInt(pf.slice(5, 7), 16), pf.slice(8)];
    const [slot, fn] = sf.split('.').map((x) => parseInt(x, 16)) as [number, number];
    const devfn = (bus << 8 | slot << 3 | fn) + (s.sriov!.offset ?? 1) + i * (s.sriov!.stride ?? 1);
    const h = (x: number) => x.toString(16).padStart(2, '0');
    return `${dom}:${h(devfn >> 8 & 0xff)}:${h(devfn >> 3 & 0x1f)}.${devfn & 7}`;
  }

  private addVf(pf: string, s: FakePciSpec, i: number): void {
    const groups = readdirSync(this.p('/sys/kernel/iommu_groups')).map(Number);
    const address = this.vfAddress(pf, s, i);
    this.addDevice({
      address, vendor: s.vendor, device: s.sriov!.vfDevice, class: s.class, driver: s.sriov!.vfDriver ?? s.driver,
      iommuGroup: s.iommuGroup === undefined ? undefined : Math.max(-1, ...groups) + 1, numaNode: s.numaNode, parent: s.parent,
    });
    this.link(`${this.devDir(address)}/physfn`, this.devDir(pf));
    this.link(`${this.devDir(pf)}/virtfn${i}`, this.devDir(address));
  }

  private removeVf(pf: string, i: number): void {
    const address = posix.basename(readlinkSync(this.p(`${this.devDir(pf)}/virtfn${i}`)));
    this.unbind(address);
    const group = this.specs.get(address)?.iommuGroup;
    if (group !== undefined) rmSync(this.p(`/sys/kernel/iommu_groups/${group}`), { recursive: true });
    unlinkSync(this.p(`/sys/bus/pci/devices/${address}`));
    unlinkSync(this.p(`${this.devDir(pf)}/virtfn${i}`));
    rmSync(this.p(this.devDir(address)), { recursive: true });
    this.specs.delete(address);
    this.native.delete(address);
  }
}

/** A small host: root port + Intel 82576 SR-IOV NIC (PF with igb), an e1000e NIC, an NVMe disk sharing a group with a SATA controller, a bridge. */
export function sampleHost(opts: { iommu?: boolean; vfioLoaded?: boolean } = {}): FakeSysfs {
  return new FakeSysfs([
    { address: '0000:00:00.0', vendor: 0x8086, device: 0x29c0, class: 0x060000, iommuGroup: 0 },
    { address: '0000:00:1c.0', vendor: 0x8086, device: 0x2940, class: 0x060400, headerType: 1, driver: 'pcieport', iommuGroup: 1 },
    {
      address: '0000:03:00.0', parent: '0000:00:1c.0', vendor: 0x8086, device: 0x10c9, class: 0x020000, driver: 'igb', iommuGroup: 2, numaNode: 0,
      subsystem: [0x8086, 0xa03c], link: { cap: ['2.5', 4], sta: ['2.5', 4] }, net: ['enp3s0f0'],
      sriov: { totalVfs: 7, vfDevice: 0x10ca, vfDriver: 'igbvf', offset: 0x80, stride: 2 },
    },
    { address: '0000:00:02.0', vendor: 0x8086, device: 0x10d3, class: 0x020000, driver: 'e1000e', iommuGroup: 3, net: ['eth0'] },
    { address: '0000:00:04.0', vendor: 0x1b36, device: 0x0010, class: 0x010802, driver: 'nvme', iommuGroup: 4 },
    { address: '0000:00:1f.2', vendor: 0x8086, device: 0x2922, class: 0x010601, driver: 'ahci', iommuGroup: 4 },
  ], opts);
}
