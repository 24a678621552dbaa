// Where networks persist: <config>/networks/<name>.xml, autostart links in
// <config>/networks/autostart/, and <run>/network/<name>.xml (live XML) for each active
// network, so a restarted tsvirtd recognises running networks instead of tearing them down.
// dnsmasq's files live beside the live XML in <run>/network/.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatNetworkXml, parseNetworkXml, type NetworkDef } from '../conf/network-xml.js';
import { DurableDir } from '../util/durable-dir.js';
import type { InstancePaths } from './paths.js';

export interface StoredNetwork {
  /** the persistent definition (or the transient one) */
  def: NetworkDef;
  /** the definition the network runs with, while active */
  live?: NetworkDef;
  persistent: boolean;
  autostart: boolean;
}

export class NetworkStore {
  readonly configDir: string;
  readonly autostartDir: string;
  readonly runDir: string;
  private readonly configs: DurableDir;
  private readonly states: DurableDir;

  constructor(paths: InstancePaths) {
    this.configDir = path.join(paths.configDir, 'networks');
    this.autostartDir = path.join(this.configDir, 'autostart');
    this.runDir = path.join(paths.runDir, 'network');
    this.configs = new DurableDir(this.configDir);
    this.states = new DurableDir(this.runDir);
  }

  /** Creates the folders; true when the config folder is new (first start: define 'default'). */
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

  saveConfig(def: NetworkDef): Promise<void> {
    return this.configs.write(`${def.name}.xml`, formatNetworkXml(def));
  }

  async removeConfig(name: string): Promise<void> {
    await this.setAutostart(name, false);
    await this.configs.remove(`${name}.xml`);
  }

  saveState(def: NetworkDef): Promise<void> {
    return this.states.write(`${def.name}.xml`, formatNetworkXml(def));
  }

  removeState(name: string): Promise<void> {
    return this.states.remove(`${name}.xml`);
  }

  async setAutostart(name: string, on: boolean): Promise<void> {
    const link = this.file(this.autostartDir, name);
    await fs.rm(link, { force: true });
    if (on) await fs.symlink(path.join('..', `${name}.xml`), link);
  }

  /** Every network on disk; unreadable files are reported through `warn` and skipped. */
  async loadAll(warn: (msg: string) => void): Promise<StoredNetwork[]> {
    const out = new Map<string, StoredNetwork>();
    const read = async (dir: string) => {
      const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.xml'));
      const defs: NetworkDef[] = [];
      for (const f of files) {
        try {
          defs.push(parseNetworkXml(await fs.readFile(path.join(dir, f), 'utf8')));
        } catch (e) {
          warn(`ignoring network file ${path.join(dir, f)}: ${(e as Error).message}`);
        }
      }
      return defs;
    };
    for (const def of await read(this.configDir)) {
      const autostart = await fs.lstat(this.file(this.autostartDir, def.name)).then(() => true, () => false);
      out.set(def.name, { def, persistent: true, autostart });
    }
    for (const def of await read(this.runDir)) {
      const known = out.get(def.name);
      if (known) known.live = def;
      else out.set(def.name, { def, live: def, persistent: false, autostart: false });
    }
    return [...out.values()];
  }
}
