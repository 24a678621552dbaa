// Where pools persist: <config>/storage/<name>.xml (inactive XML), autostart links in
// <config>/storage/autostart/, and <run>/storage/<name>.xml for each active pool, so a
// restarted tsvirtd knows which pools were running (and keeps transient ones).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatPoolXml, parsePoolXml, type StoragePool } from '../conf/pool-xml.js';
import { DurableDir } from '../util/durable-dir.js';
import type { InstancePaths } from './paths.js';

export interface StoredPool {
  def: StoragePool;
  persistent: boolean;
  active: boolean;
  autostart: boolean;
}

export class StorageStore {
  readonly configDir: string;
  readonly autostartDir: string;
  readonly runDir: string;
  private readonly configs: DurableDir;
  private readonly states: DurableDir;

  constructor(paths: InstancePaths) {
    this.configDir = path.join(paths.configDir, 'storage');
    this.autostartDir = path.join(this.configDir, 'autostart');
    this.runDir = path.join(paths.runDir, 'storage');
    this.configs = new DurableDir(this.configDir);
    this.states = new DurableDir(this.runDir);
  }

  /** Creates the folders; true when the config folder is new (first start: make the default pool). */
  async init(): Promise<boolean> {
    const fresh = await fs.access(this.configDir).then(() => false, () => true);
    for (const d of [this.configDir, this.autostartDir, this.runDir]) await fs.mkdir(d, { recursive: true, mode: 0o755 });
    // replays what the journals still hold, before anything reads the folders
    this.configs.open();
    this.states.open();
    return fresh;
  }

  /** Journal changes that could not be applied when the folders opened (for the log). */
  replaySkipped(): string[] {
    return [...this.configs.skipped, ...this.states.skipped].map((m) => `state journal: skipped ${m}`);
  }

  /** Checkpoints and closes the folders' journals (a clean stop leaves them empty). */
  async close(): Promise<void> {
    await this.configs.close();
    await this.states.close();
  }

  private file(dir: string, name: string): string {
    return path.join(dir, `${name}.xml`);
  }

  async saveConfig(def: StoragePool): Promise<void> {
    await this.configs.write(`${def.name}.xml`, formatPoolXml(def, { inactive: true }));
  }

  async removeConfig(name: string): Promise<void> {
    await this.setAutostart(name, false);
    await this.configs.remove(`${name}.xml`);
  }

  async saveState(def: StoragePool): Promise<void> {
    await this.states.write(`${def.name}.xml`, formatPoolXml(def, { inactive: true }));
  }

  async removeState(name: string): Promise<void> {
    await this.states.remove(`${name}.xml`);
  }

  async setAutostart(name: string, on: boolean): Promise<void> {
    const link = this.file(this.autostartDir, name);
    await fs.rm(link, { force: true });
    if (on) await fs.symlink(path.join('..', `${name}.xml`), link);
  }

  /** Every pool on disk; unreadable files are reported through `warn` and skipped. */
  async loadAll(warn: (msg: string) => void): Promise<StoredPool[]> {
    const out = new Map<string, StoredPool>();
    const read = async (dir: string) => {
      const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.xml'));
      const defs: StoragePool[] = [];
      for (const f of files) {
        try {
          defs.push(parsePoolXml(await fs.readFile(path.join(dir, f), 'utf8')));
        } catch (e) {
          warn(`ignoring pool file ${path.join(dir, f)}: ${(e as Error).message}`);
        }
      }
      return defs;
    };
    for (const def of await read(this.configDir)) {
      const autostart = await fs.lstat(this.file(this.autostartDir, def.name)).then(() => true, () => false);
      out.set(def.name, { def, persistent: true, active: false, autostart });
    }
    for (const def of await read(this.runDir)) {
      const known = out.get(def.name);
      if (known) known.active = true;
      else out.set(def.name, { def, persistent: false, active: true, autostart: false });
    }
    return [...out.values()];
  }
}
