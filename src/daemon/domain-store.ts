// Domain definitions and live status on disk. Every write is atomic; the files are
// plain libvirt XML so an administrator can read them, and tsvirtd can rebuild its
// whole state from them at start.
import { promises as fs, lstatSync } from 'node:fs';
import * as path from 'node:path';
import type { Domain } from '../conf/domain-types.js';
import { formatDomainXml } from '../conf/domain-xml.js';
import { formatDomainStatusXml, parseDomainStatusXml, type DomainStatus } from '../conf/domain-status-xml.js';
import { DurableDir } from '../util/durable-dir.js';
import type { InstancePaths } from './paths.js';

export class DomainStore {
  private readonly configs: DurableDir;
  private readonly statuses: DurableDir;

  constructor(private readonly paths: InstancePaths) {
    this.configs = new DurableDir(paths.qemuConfigDir);
    this.statuses = new DurableDir(paths.qemuRunDir);
  }

  /** Opens the folders (they must exist): replays what their journals still hold. */
  open(): void {
    this.configs.open();
    this.statuses.open();
  }

  /** Journal changes that could not be applied when the folders opened (for the log). */
  replaySkipped(): string[] {
    return [...this.configs.skipped, ...this.statuses.skipped].map((m) => `state journal: skipped ${m}`);
  }

  /** Checkpoints and closes the folders' journals (a clean stop leaves them empty). */
  async close(): Promise<void> {
    await this.configs.close();
    await this.statuses.close();
  }

  configFile(name: string): string {
    return path.join(this.paths.qemuConfigDir, `${name}.xml`);
  }
  autostartLink(name: string): string {
    return path.join(this.paths.autostartDir, `${name}.xml`);
  }
  statusFile(name: string): string {
    return path.join(this.paths.qemuRunDir, `${name}.xml`);
  }
  /** Short, so unix socket paths inside stay under the 108-byte limit. */
  domainRunDir(id: number, name: string): string {
    return path.join(this.paths.qemuRunDir, `domain-${id}-${name.slice(0, 20)}`);
  }
  logFile(name: string): string {
    return path.join(this.paths.qemuLogDir, `${name}.log`);
  }
  chardevLogDir(name: string): string {
    return path.join(this.paths.qemuLogDir, name);
  }
  /** per-domain UEFI variable stores (<nvram>), libvirt's /var/lib/libvirt/qemu/nvram */
  nvramDir(): string {
    return path.join(path.dirname(this.paths.imagesDir), 'qemu', 'nvram');
  }
  /** managed save images <name>.save, libvirt's /var/lib/libvirt/qemu/save */
  managedSaveDir(): string {
    return path.join(path.dirname(this.paths.imagesDir), 'qemu', 'save');
  }
  /** the swtpm folders of emulator TPMs (state per domain UUID) */
  swtpmDirs(): InstancePaths['swtpm'] {
    return this.paths.swtpm;
  }

  async saveConfig(def: Domain): Promise<void> {
    await this.configs.write(`${def.name}.xml`, formatDomainXml(def, { inactive: true }));
  }

  async removeConfig(name: string): Promise<void> {
    await this.setAutostart(name, false);
    await this.configs.remove(`${name}.xml`);
  }

  /** Texts of every saved definition, by file name; parsing is the caller's. */
  async listConfigs(): Promise<Array<{ file: string; xml: string }>> {
    return this.readXmlFiles(this.paths.qemuConfigDir);
  }

  async autostartNames(): Promise<Set<string>> {
    try {
      const names = await fs.readdir(this.paths.autostartDir);
      return new Set(names.filter((n) => n.endsWith('.xml')).map((n) => n.slice(0, -4)));
    } catch {
      return new Set();
    }
  }

  async setAutostart(name: string, on: boolean): Promise<void> {
    const link = this.autostartLink(name);
    // the look is synchronous (no journal commit can hold it up) and nearly always finds no
    // link; only an unlink goes to the thread pool: two round trips were a fifth of an undefine
    if (lstatSync(link, { throwIfNoEntry: false })) await fs.rm(link, { force: true });
    if (on) await fs.symlink(path.join('..', `${name}.xml`), link);
  }

  async saveStatus(status: DomainStatus): Promise<void> {
    await this.statuses.write(`${status.domain.name}.xml`, formatDomainStatusXml(status));
  }

  async removeStatus(name: string): Promise<void> {
    await this.statuses.remove(`${name}.xml`);
  }

  async listStatuses(): Promise<Array<{ file: string; status?: DomainStatus; error?: string }>> {
    const out: Array<{ file: string; status?: DomainStatus; error?: string }> = [];
    for (const { file, xml } of await this.readXmlFiles(this.paths.qemuRunDir)) {
      try {
        out.push({ file, status: parseDomainStatusXml(xml) });
      } catch (e) {
        out.push({ file, error: (e as Error).message });
      }
    }
    return out;
  }

  private async readXmlFiles(dir: string): Promise<Array<{ file: string; xml: string }>> {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return [];
    }
    const files = names.filter((n) => n.endsWith('.xml') && !n.startsWith('.')).map((n) => path.join(dir, n));
    return Promise.all(files.map(async (file) => ({ file, xml: await fs.readFile(file, 'utf8') })));
  }
}
