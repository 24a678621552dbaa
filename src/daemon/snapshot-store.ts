// Snapshot metadata on disk, as libvirt keeps it: <snapshotDir>/<domain>/<snapshot>.xml, each
// written atomically, the current one marked <active>1</active>. Read back at daemon start,
// so the tree survives a kill -9 of tsvirtd.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatSnapshotXml, parseSnapshotXml, type DomainSnapshot } from '../conf/snapshot-xml.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { SnapshotTree } from '../conf/snapshot-tree.js';

export class SnapshotStore {
  constructor(readonly dir: string, private readonly warn: (msg: string) => void = () => undefined) {}

  private domainDir(domain: string): string {
    return path.join(this.dir, domain);
  }

  private file(domain: string, name: string): string {
    return path.join(this.domainDir(domain), `${name}.xml`);
  }

  /** The tree of one domain from its files (a file that does not parse is skipped with a warning). */
  async load(domain: string): Promise<SnapshotTree<DomainSnapshot>> {
    let names: string[];
    try {
      names = (await fs.readdir(this.domainDir(domain))).filter((n) => n.endsWith('.xml') && !n.startsWith('.'));
    } catch {
      return new SnapshotTree<DomainSnapshot>();
    }
    const snaps: DomainSnapshot[] = [];
    let current: string | undefined;
    for (const n of names) {
      try {
        const s = parseSnapshotXml(await fs.readFile(path.join(this.domainDir(domain), n), 'utf8'));
        if (!s.name) continue;
        if (s.active) current = s.name;
        snaps.push(s);
      } catch (e) {
        this.warn(`cannot read snapshot metadata ${n} of '${domain}': ${(e as Error).message}`);
      }
    }
    return new SnapshotTree(snaps, current);
  }

  async save(domain: string, s: DomainSnapshot, current: boolean): Promise<void> {
    await fs.mkdir(this.domainDir(domain), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file(domain, s.name!), formatSnapshotXml({ ...s, active: current }, { internal: true }));
  }

  async remove(domain: string, name: string): Promise<void> {
    await fs.rm(this.file(domain, name), { force: true });
  }

  async removeAll(domain: string): Promise<void> {
    await fs.rm(this.domainDir(domain), { recursive: true, force: true });
  }
}
