// Node devices for the API: listing, XML, detach/reattach/reset and SR-IOV VF counts,
// all through one HostRoot ('/' in production, a fake tree in tests). Changes run one at
// a time. Persistent VF counts live in <configDir>/nodedev/sriov.json and are set again
// by init() when tsvirtd starts.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatNodeDeviceXml } from '../conf/nodedev-xml.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { TsvirtError } from '../util/errors.js';
import type { HostRoot } from '../host/host-root.js';
import { listNodedevs, lookupNodedev, type NodedevEntry } from '../host/nodedev.js';
import { groupBlockers } from '../host/iommu.js';
import { isBridge, readPciDevice } from '../host/pci.js';
import { readPhysFunction, setNumVfs } from '../host/sriov.js';
import { detachDevice, reattachDevice, resetDevice } from '../host/vfio.js';
import type { NodedevSummary } from '../protocol/methods-nodedev.js';
import type { Logger } from './log.js';

export class NodeDeviceService {
  /** address -> driver before nodedev-detach, for nodedev-reattach */
  private readonly originals = new Map<string, string | undefined>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly root: HostRoot,
    private readonly configDir: string | undefined,
    private readonly log: Logger,
    /** name of the running (or starting) domain that has this PCI address */
    private readonly userOf: (address: string) => string | undefined = () => undefined,
  ) {}

  private get sriovFile(): string | undefined {
    return this.configDir && path.join(this.configDir, 'sriov.json');
  }

  /** Sets the persistent VF counts again (tsvirtd start); failures are logged, not fatal. */
  async init(): Promise<void> {
    for (const [pf, n] of Object.entries(await this.persistent())) {
      try {
        const vfs = await setNumVfs(this.root, pf, n);
        this.log.info(`SR-IOV: ${pf} has ${vfs.length} VFs (persistent setting)`);
      } catch (e) {
        this.log.warn(`SR-IOV: cannot set ${n} VFs on ${pf}: ${(e as Error).message}`);
      }
    }
  }

  async list(filter: { cap?: string; class?: string } = {}): Promise<NodedevSummary[]> {
    let all = await listNodedevs(this.root);
    if (filter.class !== undefined && filter.cap === undefined) filter = { ...filter, cap: 'pci' };
    if (filter.cap) {
      const cap = filter.cap;
      if (!['system', 'pci', 'net'].includes(cap)) throw new TsvirtError('invalid-arg', `unknown capability '${cap}' (known: system, pci, net)`);
      all = all.filter((e) => e.caps.includes(cap));
    }
    if (filter.class !== undefined) all = all.filter((e) => classMatches(e, filter.class!));
    return all.map((e) => this.summary(e));
  }

  async getXml(name: string): Promise<string> {
    return formatNodeDeviceXml((await lookupNodedev(this.root, name)).device);
  }

  detach(name: string): Promise<{ address: string; originalDriver?: string }> {
    return this.serial(async () => {
      const dev = await readPciDevice(this.root, name);
      this.refuseInUse(dev.address, 'detach');
      const r = await detachDevice(this.root, dev.address);
      if (!this.originals.has(r.address)) this.originals.set(r.address, r.originalDriver);
      return r.originalDriver ? { address: r.address, originalDriver: r.originalDriver } : { address: r.address };
    });
  }

  reattach(name: string): Promise<void> {
    return this.serial(async () => {
      const dev = await readPciDevice(this.root, name);
      this.refuseInUse(dev.address, 'reattach');
      // unknown original (detached before this tsvirtd started): let the kernel probe
      const orig = this.originals.get(dev.address);
      await reattachDevice(this.root, dev.address, orig === 'vfio-pci' ? undefined : orig);
      this.originals.delete(dev.address);
    });
  }

  reset(name: string): Promise<void> {
    return this.serial(async () => {
      const dev = await readPciDevice(this.root, name);
      this.refuseInUse(dev.address, 'reset');
      await resetDevice(this.root, dev.address);
    });
  }

  setSriov(name: string, numVfs: number, persistent = false): Promise<{ pf: string; vfs: string[] }> {
    return this.serial(async () => {
      const pf = (await readPhysFunction(this.root, name)).address;
      const vfs = await setNumVfs(this.root, pf, numVfs, { userOf: this.userOf });
      if (persistent) {
        const file = this.sriovFile;
        if (!file) throw new TsvirtError('operation-unsupported', 'this tsvirtd has no configuration folder for persistent SR-IOV settings');
        const all = await this.persistent();
        if (numVfs === 0) delete all[pf];
        else all[pf] = numVfs;
        await fs.mkdir(path.dirname(file), { recursive: true });
        await writeFileAtomic(file, JSON.stringify(all, null, 2) + '\n');
      }
      return { pf, vfs };
    });
  }

  private async persistent(): Promise<Record<string, number>> {
    const file = this.sriovFile;
    if (!file) return {};
    try {
      return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, number>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new TsvirtError('internal-error', `${file} is not valid JSON: ${(e as Error).message}`);
    }
  }

  private refuseInUse(address: string, what: string): void {
    const user = this.userOf(address);
    if (user) throw new TsvirtError('operation-invalid', `cannot ${what} PCI device ${address}: running domain '${user}' uses it`);
  }

  private summary(e: NodedevEntry): NodedevSummary {
    const s: NodedevSummary = { name: e.device.name, caps: e.caps };
    if (e.device.parent) s.parent = e.device.parent;
    const d = e.pci;
    if (!d) return s;
    const cap = e.device.caps[0];
    s.address = d.address;
    s.classCode = d.classCode;
    if (e.className) s.className = e.className;
    if (d.driver) s.driver = d.driver;
    if (cap?.type === 'pci') {
      if (cap.vendor.name) s.vendor = cap.vendor.name;
      if (cap.product.name) s.product = cap.product.name;
    }
    if (isBridge(d)) s.bridge = true;
    if (d.iommuGroup !== undefined && e.groupMembers) {
      s.iommuGroup = d.iommuGroup;
      const blockers = groupBlockers(e.groupMembers, d.address);
      s.groupViable = blockers.length === 0;
      if (blockers.length) s.groupBlockers = blockers;
    }
    if (d.sriov) {
      s.totalVfs = d.sriov.totalVfs;
      s.numVfs = d.sriov.numVfs;
    }
    if (d.physfn) s.physfn = d.physfn;
    const user = this.userOf(d.address);
    if (user) s.usedBy = user;
    return s;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function classMatches(e: NodedevEntry, cls: string): boolean {
  if (!e.pci) return false;
  const want = cls.trim().toLowerCase();
  if (/^0x[0-9a-f]{2,6}$/.test(want)) {
    const hex = want.slice(2);
    return e.pci.classCode.toString(16).padStart(6, '0').startsWith(hex);
  }
  return (e.className ?? '').toLowerCase().includes(want);
}
