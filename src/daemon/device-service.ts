// attach-device / detach-device / update-device for every device kind, generically:
// - config (--config, or --current on a shut-off domain): the change is applied to a copy of
//   the persistent definition, defaults fill addresses, it is validated and saved atomically;
// - live (--live, or --current on a running domain): the device is placed in a copy of the
//   live definition (defaults assign its address), the resource providers prepare what it
//   needs on the host (e.g. a pool volume's path), the hot-plug handler of its kind
//   (src/qemu/hotplug.ts) adds it to QEMU, and only then the copy becomes the live
//   definition and the status file is written. --persistent: live when running, plus config.
// New kinds need no change here: a parser entry in src/conf/device-xml.ts and a handler in
// src/qemu/hotplug.ts.
import type { Domain } from '../conf/domain-types.js';
import { applyDomainDefaults } from '../conf/domain-defaults.js';
import { validateDomain } from '../conf/domain-validate.js';
import {
  DEVICE_KINDS, deviceCounts, deviceIn, describeDevice, findDevice, parseDeviceXml, withDeviceAdded, withDeviceRemoved,
  withDeviceReplaced, type DeviceKind, type ParsedDevice,
} from '../conf/device-xml.js';
import { defaultMachine } from '../qemu/caps.js';
import type { QemuDriver } from '../qemu/driver.js';
import type { PreparedResources } from '../qemu/host-resources.js';
import { hotplugHandler, type HotplugContext } from '../qemu/hotplug.js';
import { TsvirtError } from '../util/errors.js';
import { UndoStack } from '../util/undo.js';
import type { DomainEntry } from './domain-registry.js';
import type { DomainService } from './domain-service.js';
import type { DomainStore } from './domain-store.js';
import type { EventBus } from './event-bus.js';

/** virsh's --live --config --current --persistent. */
export interface DeviceFlags {
  live?: boolean;
  config?: boolean;
  current?: boolean;
  persistent?: boolean;
}

type Op = 'attach' | 'detach' | 'update';

/** Which definitions a call changes, as libvirt's VIR_DOMAIN_AFFECT_* resolution. */
export function resolveFlags(f: DeviceFlags, running: boolean, persistent: boolean): { live: boolean; config: boolean } {
  if (f.current && (f.live || f.config)) throw new TsvirtError('invalid-arg', '--current is exclusive with --live and --config');
  let live = !!f.live;
  let config = !!f.config;
  if (f.persistent) {
    config = true;
    live ||= running;
  }
  if (!live && !config) (running ? (live = true) : (config = true));
  if (live && !running) throw new TsvirtError('operation-invalid', 'domain is not running');
  if (config && !persistent) throw new TsvirtError('operation-invalid', 'cannot change the persistent configuration of a transient domain');
  return { live, config };
}

/** A copy of `def` holding only `p`'s device (for resource providers preparing one device). */
function oneDeviceDef(def: Domain, p: ParsedDevice): Domain {
  const copy = structuredClone(def);
  for (const k of Object.keys(DEVICE_KINDS) as DeviceKind[]) DEVICE_KINDS[k].list(copy.devices).length = 0;
  (DEVICE_KINDS[p.kind].list(copy.devices) as unknown[]).push(structuredClone(p.device));
  return copy;
}

export class DeviceService {
  constructor(
    private readonly domains: DomainService,
    private readonly store: DomainStore,
    private readonly driver: QemuDriver,
    private readonly events?: EventBus,
  ) {}

  attach(ref: string, xml: string, flags: DeviceFlags): Promise<void> {
    return this.change('attach', ref, xml, flags);
  }
  detach(ref: string, xml: string, flags: DeviceFlags): Promise<void> {
    return this.change('detach', ref, xml, flags);
  }
  update(ref: string, xml: string, flags: DeviceFlags): Promise<void> {
    return this.change('update', ref, xml, flags);
  }

  private async change(op: Op, ref: string, xml: string, flags: DeviceFlags): Promise<void> {
    const p = parseDeviceXml(xml);
    await this.domains.runJob(ref, async (entry) => {
      const where = resolveFlags(flags, !!entry.vm, entry.persistent);
      // compute the new persistent definition first: a bad device then changes nothing at all
      const config = where.config ? await this.edited(op, entry.config, p) : undefined;
      if (where.live) await this.liveChange(op, entry, p);
      if (config) {
        await this.store.saveConfig(config);
        this.domains.registry.setConfig(entry, config);
      }
    });
  }

  /** defaults + validation of a changed definition; what defaults add besides the device is refused */
  private async prepared(before: Domain, changed: Domain, p: ParsedDevice): Promise<Domain> {
    const caps = await this.driver.caps(changed.devices.emulator);
    const def = applyDomainDefaults(changed, { arch: caps.arch, defaultMachine: defaultMachine(caps), emulator: caps.binary });
    validateDomain(def);
    const was = deviceCounts(before);
    const now = deviceCounts(def);
    for (const k of Object.keys(now) as DeviceKind[]) {
      if (k !== p.kind && now[k] !== was[k]) {
        throw new TsvirtError('operation-unsupported', `${describeDevice(p)} would also need a new ${k} device; add it to the definition first`);
      }
    }
    return def;
  }

  private edited(op: Op, def: Domain, p: ParsedDevice): Promise<Domain> {
    if (op === 'attach') return this.prepared(def, withDeviceAdded(def, p), p);
    if (op === 'update') return this.prepared(def, withDeviceReplaced(def, p), p);
    return Promise.resolve(withDeviceRemoved(def, p).def);
  }

  private async liveChange(op: Op, entry: DomainEntry, p: ParsedDevice): Promise<void> {
    const vm = entry.vm!;
    const caps = await this.driver.caps(vm.live.devices.emulator);
    const handler = hotplugHandler(p.kind) as ReturnType<typeof hotplugHandler<DeviceKind>>;
    if (op === 'detach') {
      if (findDevice(vm.live, p) < 0) throw new TsvirtError('operation-failed', `matching ${describeDevice(p)} not found in the running domain`);
      const have = deviceIn(vm.live, p);
      const one = oneDeviceDef(vm.live, have);
      await handler.detach(vm, have.device as never, { caps, dom: vm.live });
      vm.live = withDeviceRemoved(vm.live, p).def;
      // the handler returned after QEMU's DEVICE_DELETED: the guest has let go (libvirt's DEVICE_REMOVED)
      const alias = (have.device as { alias?: string }).alias;
      if (alias) this.events?.emit({ type: 'device-removed', domain: { name: entry.config.name, uuid: entry.config.uuid, id: entry.id }, alias, time: Date.now() });
      await this.releaseOne(vm.record, one);
    } else {
      if (op === 'update' && !handler.update) throw new TsvirtError('operation-unsupported', `live update of device type '${p.kind}' is not supported`);
      const cand = await this.edited(op, vm.live, p);
      const dev = deviceIn(cand, p);
      const undo = new UndoStack();
      try {
        const resources = await this.prepareResources(cand, dev, undo);
        const ctx: HotplugContext = { caps, dom: cand, resources };
        if (op === 'attach') await handler.attach(vm, dev.device as never, ctx);
        else await handler.update!(vm, dev.device as never, ctx);
        for (const [k, v] of Object.entries(resources.record ?? {})) vm.record[k] = v;
      } catch (e) {
        await undo.run();
        throw e;
      }
      vm.live = cand;
    }
    await this.domains.persistStatus(entry);
  }

  /** Gives back what providers took for one unplugged device (e.g. a host PCI device back to its driver). */
  private async releaseOne(record: Record<string, string>, one: Domain): Promise<void> {
    for (const provider of this.driver.resourceProviders) {
      const mine: Record<string, string> = {};
      for (const key of provider.recordKeys?.(one) ?? []) {
        const full = `${provider.name}.${key}`;
        if (full in record) {
          mine[key] = record[full]!;
          delete record[full];
        }
      }
      if (Object.keys(mine).length) await provider.release(one, mine);
    }
  }

  /** Runs every resource provider on a definition holding just this device; records get the provider prefix. */
  private async prepareResources(def: Domain, dev: ParsedDevice, undo: UndoStack): Promise<PreparedResources> {
    const one = oneDeviceDef(def, dev);
    const out: PreparedResources = {};
    for (const provider of this.driver.resourceProviders) {
      const got = await provider.prepare(one, undo);
      if (got.tapFds) out.tapFds = { ...out.tapFds, ...got.tapFds };
      if (got.resolvedDiskPaths) out.resolvedDiskPaths = { ...out.resolvedDiskPaths, ...got.resolvedDiskPaths };
      for (const [k, v] of Object.entries(got.record ?? {})) (out.record ??= {})[`${provider.name}.${k}`] = v;
      got.adjustLive?.(def);
    }
    return out;
  }
}
