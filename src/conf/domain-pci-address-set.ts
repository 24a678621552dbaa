// libvirt's PCI address set (src/conf/domain_addr.c): buses with the connection types they
// accept, slots with the functions taken, "next free address" search, and the dry-run growth
// that decides which PCI controllers to add (pcie-root-port, pci-bridge, pcie-to-pci-bridge).
import type { PciAddress } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';

// connect flags (virDomainPCIConnectFlags), same meaning as libvirt's
export const F = {
  PCI_DEVICE: 1 << 0,
  PCIE_DEVICE: 1 << 1,
  ROOT_PORT: 1 << 2,
  SWITCH_UP: 1 << 3,
  SWITCH_DOWN: 1 << 4,
  DMI_TO_PCI: 1 << 5,
  PCIE_TO_PCI: 1 << 6,
  PXB: 1 << 7,
  PXB_PCIE: 1 << 8,
  PCI_BRIDGE: 1 << 9,
  AUTOASSIGN: 1 << 10,
  HOTPLUGGABLE: 1 << 11,
  AGGREGATE: 1 << 12,
  INTEGRATED: 1 << 13,
} as const;
const TYPES_MASK = (1 << 10) - 1;
const ENDPOINT = F.PCI_DEVICE | F.PCIE_DEVICE;

/** Connect flags of a PCI controller model (what it needs upstream). */
export function pciControllerConnectFlags(model: string | undefined): number {
  switch (model) {
    case 'pci-bridge': return F.PCI_BRIDGE;
    case 'pci-expander-bus': return F.PXB;
    case 'pcie-expander-bus': return F.PXB_PCIE;
    case 'dmi-to-pci-bridge': return F.DMI_TO_PCI;
    case 'pcie-to-pci-bridge': return F.PCIE_TO_PCI;
    case 'pcie-root-port': return F.ROOT_PORT | F.AGGREGATE;
    case 'pcie-switch-upstream-port': return F.SWITCH_UP;
    case 'pcie-switch-downstream-port': return F.SWITCH_DOWN;
    default: return 0;
  }
}

function connectTypeToModel(flags: number): string | undefined {
  if (flags & F.ROOT_PORT) return 'pcie-root-port';
  if (flags & F.SWITCH_UP) return 'pcie-switch-upstream-port';
  if (flags & F.SWITCH_DOWN) return 'pcie-switch-downstream-port';
  if (flags & F.DMI_TO_PCI) return 'dmi-to-pci-bridge';
  if (flags & F.PXB) return 'pci-expander-bus';
  if (flags & F.PXB_PCIE) return 'pcie-expander-bus';
  if (flags & F.PCI_BRIDGE) return 'pci-bridge';
  return undefined;
}

export interface PciBus {
  model: string;
  flags: number;
  minSlot: number;
  maxSlot: number;
  /** per slot: bit N set when function N is taken */
  functions: Uint8Array;
  /** per slot: 1 when it aggregates pcie-root-ports function by function */
  aggregate: Uint8Array;
}

/** virDomainPCIAddressBusSetModel: what may plug into a bus of this controller model. */
function newBus(model: string, flags: number, minSlot: number, maxSlot = 31): PciBus {
  return { model, flags, minSlot, maxSlot, functions: new Uint8Array(32), aggregate: new Uint8Array(32) };
}

export function makeBus(model: string, allowHotplug: boolean): PciBus {
  const hp = allowHotplug ? F.HOTPLUGGABLE : 0;
  switch (model) {
    case 'pci-root': return newBus(model, F.AUTOASSIGN | F.PCI_DEVICE | F.PCI_BRIDGE | F.PXB | hp, 1);
    case 'pci-bridge': return newBus(model, F.AUTOASSIGN | F.PCI_DEVICE | F.PCI_BRIDGE | hp, 1);
    case 'pci-expander-bus': return newBus(model, F.AUTOASSIGN | F.PCI_DEVICE | F.PCI_BRIDGE | hp, 0);
    case 'pcie-root': return newBus(model, F.PCIE_DEVICE | F.ROOT_PORT | F.DMI_TO_PCI | F.PXB_PCIE, 1);
    case 'dmi-to-pci-bridge': return newBus(model, F.PCI_DEVICE | F.PCI_BRIDGE, 0);
    case 'pcie-to-pci-bridge': return newBus(model, F.AUTOASSIGN | F.PCI_DEVICE | F.PCI_BRIDGE | hp, 1);
    case 'pcie-root-port':
    case 'pcie-switch-downstream-port':
      return newBus(model, F.AUTOASSIGN | F.PCIE_DEVICE | F.SWITCH_UP | F.PCIE_TO_PCI | hp, 0, 0);
    case 'pcie-switch-upstream-port': return newBus(model, F.SWITCH_DOWN, 0);
    case 'pcie-expander-bus': return newBus(model, F.ROOT_PORT | F.DMI_TO_PCI, 0);
    default: throw new TsvirtError('internal-error', `PCI controller model '${model}' was not set correctly`);
  }
}

export const pciAddrString = (a: { domain?: number; bus: number; slot: number; function: number }) =>
  `${(a.domain ?? 0).toString(16).padStart(4, '0')}:${a.bus.toString(16).padStart(2, '0')}:${a.slot.toString(16).padStart(2, '0')}.${a.function}`;

type Addr = { bus: number; slot: number; function: number };

export class PciAddressSet {
  /**
   * Where the last search for a (flags, function) found room. Addresses are only ever taken during
   * an assignment, never given back, so everything before it is still full or unfit for the same
   * search: the next one starts there (libvirt scans from bus 0 each time; same result, less work).
   */
  private readonly searchFrom = new Map<number, Addr>();

  constructor(public buses: PciBus[], public dryRun: boolean, private pcieToPciBridge = true) {}

  private fail(fromConfig: boolean, msg: string): never {
    throw new TsvirtError(fromConfig ? 'xml-error' : 'internal-error', msg);
  }

  /** virDomainPCIAddressFlagsCompatible */
  private compatible(addr: Addr, busFlags: number, devFlags: number, report: boolean, fromConfig: boolean): boolean {
    const s = report ? pciAddrString(addr) : '';
    if (devFlags & F.INTEGRATED) {
      if (addr.bus !== 0) return report ? this.fail(fromConfig, `The device at PCI address ${s} needs to be an integrated device (bus=0)`) : false;
      busFlags |= F.AUTOASSIGN;
    }
    if (fromConfig) {
      if (busFlags & ENDPOINT) busFlags |= ENDPOINT;
      if (devFlags & F.PCI_BRIDGE) devFlags |= F.PCI_DEVICE;
    } else if (devFlags & F.AUTOASSIGN && !(busFlags & F.AUTOASSIGN)) {
      return report ? this.fail(fromConfig, `The device at PCI address ${s} was auto-assigned this address, but the PCI controller with index='${addr.bus}' doesn't allow auto-assignment`) : false;
    }
    if (devFlags & F.HOTPLUGGABLE && !(busFlags & F.HOTPLUGGABLE)) {
      return report ? this.fail(fromConfig, `The device at PCI address ${s} requires hotplug capability, but the PCI controller with index='${addr.bus}' doesn't support hotplug`) : false;
    }
    if (!(devFlags & busFlags & TYPES_MASK)) {
      if (!report) return false;
      const names: Array<[number, string]> = [
        [F.PCI_DEVICE, 'standard PCI device'], [F.PCIE_DEVICE, 'PCI Express device'], [F.ROOT_PORT, 'pcie-root-port'],
        [F.SWITCH_UP, 'pcie-switch-upstream-port'], [F.SWITCH_DOWN, 'pcie-switch-downstream-port'], [F.DMI_TO_PCI, 'dmi-to-pci-bridge'],
        [F.PCIE_TO_PCI, 'pcie-to-pci-bridge'], [F.PXB, 'pci-expander-bus'], [F.PXB_PCIE, 'pcie-expander-bus'], [F.PCI_BRIDGE, 'pci-bridge'],
      ];
      const what = names.find(([f]) => devFlags & f)?.[1] ?? 'device';
      this.fail(fromConfig, `The device at PCI address ${s} cannot be plugged into the PCI controller with index='${addr.bus}'. It requires a controller that accepts a ${what}.`);
    }
    return true;
  }

  /** virDomainPCIAddressValidate */
  validate(addr: Addr & { domain?: number }, flags: number, fromConfig: boolean): boolean {
    if (this.buses.length === 0) this.fail(fromConfig, 'No PCI buses available');
    if ((addr.domain ?? 0) !== 0) this.fail(fromConfig, `Invalid PCI address ${pciAddrString(addr)}. Only PCI domain 0 is available`);
    if (addr.bus >= this.buses.length) this.fail(fromConfig, `Invalid PCI address ${pciAddrString(addr)}. Only PCI buses up to ${this.buses.length - 1} are available`);
    const bus = this.buses[addr.bus];
    if (!this.compatible(addr, bus.flags, flags, true, fromConfig)) return false;
    if (bus.minSlot && addr.slot < bus.minSlot) this.fail(fromConfig, `Invalid PCI address ${pciAddrString(addr)}. slot must be >= ${bus.minSlot}`);
    if (addr.slot > bus.maxSlot) this.fail(fromConfig, `Invalid PCI address ${pciAddrString(addr)}. slot must be <= ${bus.maxSlot}`);
    return true;
  }

  slotInUse(bus: number, slot: number): boolean {
    return !!this.buses[bus]?.functions[slot];
  }

  isFullyReserved(bus: PciBus): boolean {
    for (let i = bus.minSlot; i <= bus.maxSlot; i++) if (!bus.functions[i]) return false;
    return true;
  }

  /** virDomainPCIAddressSetGrow: adds the buses `addr` needs (dry run only); may move addr.bus on. */
  private grow(addr: Addr, flags: number): void {
    let add = addr.bus - this.buses.length + 1;
    if (add <= 0) return;
    let model: string;
    let needBridgeChain = false;
    if (flags & F.PCI_DEVICE) {
      model = 'pci-bridge';
      // a pure PCIe topology gets a traditional PCI one: pcie-root-port + pcie-to-pci-bridge
      needBridgeChain = !this.buses.some((b) => b.flags & F.PCI_BRIDGE);
      if (needBridgeChain && add === 1) {
        add++;
        addr.bus++;
      }
    } else if (flags & (F.PCIE_DEVICE | F.SWITCH_UP)) {
      model = 'pcie-root-port';
    } else {
      const m = connectTypeToModel(flags);
      throw new TsvirtError('internal-error', m
        ? `a PCI slot is needed to connect a PCI controller model='${m}', but none is available, and it cannot be automatically added`
        : `Cannot automatically add a new PCI bus for a device with connect flags ${flags.toString(16).padStart(2, '0')}`);
    }
    const start = this.buses.length;
    let i = start;
    const total = start + add;
    if (needBridgeChain) {
      if (this.pcieToPciBridge) {
        // this root port takes only the bridge, so the spare hot-plug port stays a separate one
        const rp = makeBus('pcie-root-port', true);
        rp.flags = F.PCIE_TO_PCI;
        this.buses[i++] = rp;
        this.buses[i++] = makeBus('pcie-to-pci-bridge', true);
      } else {
        this.buses[i++] = makeBus('dmi-to-pci-bridge', false);
      }
    }
    for (; i < total; i++) this.buses[i] = makeBus(model, true);
  }

  /** virDomainPCIAddressReserveAddrInternal */
  reserve(addr: Addr & { domain?: number }, flags: number, fromConfig: boolean): void {
    if (this.dryRun) this.grow(addr, flags);
    this.validate(addr, flags, fromConfig);
    const bus = this.buses[addr.bus];
    const fns = bus.functions[addr.slot];
    if (fns & (1 << addr.function)) this.fail(fromConfig, `Attempted double use of PCI Address ${pciAddrString(addr)}`);
    if (!fns && flags & F.AGGREGATE) bus.aggregate[addr.slot] = 1;
    bus.functions[addr.slot] = fns | (1 << addr.function);
  }

  private findOnBus(bus: PciBus, a: Addr, fn: number, flags: number): boolean {
    if (!this.compatible(a, bus.flags, flags, false, false)) return false;
    while (a.slot <= bus.maxSlot) {
      const fns = bus.functions[a.slot];
      if (fns === 0) return true;
      if (flags & F.AGGREGATE && bus.aggregate[a.slot]) {
        if ((fns & (1 << a.function)) === 0) return true;
        if (fn === -1) {
          while (a.function < 8) {
            if ((fns & (1 << a.function)) === 0) return true;
            a.function++;
          }
          a.function = 0;
        }
      }
      a.slot++;
    }
    return false;
  }

  /** virDomainPCIAddressGetNextAddr (isolation groups are all 0 here) */
  private next(flags: number, fn: number): Addr {
    if (this.buses.length === 0) throw new TsvirtError('xml-error', 'No PCI buses available');
    const a: Addr = { bus: 0, slot: 0, function: fn === -1 ? 0 : fn };
    const key = flags * 16 + fn + 1;
    const from = this.searchFrom.get(key);
    for (a.bus = from?.bus ?? 0; a.bus < this.buses.length; a.bus++) {
      const bus = this.buses[a.bus];
      a.slot = from && a.bus === from.bus ? from.slot : bus.minSlot;
      if (this.findOnBus(bus, a, fn, flags)) {
        this.searchFrom.set(key, { bus: a.bus, slot: a.slot, function: 0 });
        return a;
      }
    }
    if (this.dryRun) {
      this.grow(a, flags);
      a.slot = this.buses[a.bus].minSlot;
      return a;
    }
    throw new TsvirtError('config-unsupported', 'No more available PCI slots');
  }

  /** virDomainPCIAddressReserveNextAddr: the address is returned (callers ignore it in a dry run). */
  reserveNext(flags: number, fn = -1): PciAddress {
    const a = this.next(flags, fn);
    this.reserve(a, flags, false);
    return { type: 'pci', domain: 0, bus: a.bus, slot: a.slot, function: a.function };
  }
}
