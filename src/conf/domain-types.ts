// The domain data model: libvirt's <domain> XML as typed objects.
// Parsed once (domain-xml.ts); drivers read these objects, never XML text.
// Memory sizes are always KiB. Optional fields are absent when the XML has none
// and defaults (domain-defaults.ts) have not filled them in.

export type DomainVirtType = 'qemu' | 'kvm';
export type LifecycleAction = 'destroy' | 'restart' | 'preserve' | 'rename-restart' | 'coredump-destroy' | 'coredump-restart';

export interface PciAddress {
  type: 'pci';
  domain: number;
  bus: number;
  slot: number;
  function: number;
  multifunction?: boolean;
}
export interface DriveAddress {
  type: 'drive';
  controller: number;
  bus: number;
  target: number;
  unit: number;
}
export interface VirtioSerialAddress {
  type: 'virtio-serial';
  controller: number;
  bus: number;
  port: number;
}
export interface UsbAddress {
  type: 'usb';
  bus: number;
  port: string;
}
export interface IsaAddress {
  type: 'isa';
  iobase?: number;
  irq?: number;
}
export type DeviceAddress = PciAddress | DriveAddress | VirtioSerialAddress | UsbAddress | IsaAddress;

/** Fields every device may carry. `alias` is live-only (libvirt shows it in live XML). */
export interface DeviceCommon {
  address?: DeviceAddress;
  alias?: string;
}

export interface BootOrder {
  order: number;
}

export interface Disk extends DeviceCommon {
  type: 'file' | 'block' | 'volume';
  device: 'disk' | 'cdrom' | 'floppy' | 'lun';
  driver?: { name?: 'qemu'; type?: 'raw' | 'qcow2'; cache?: string; io?: string; discard?: string };
  /** file for type=file, dev for type=block, pool+volume for type=volume */
  source?: { file?: string; dev?: string; pool?: string; volume?: string };
  target: { dev: string; bus?: 'virtio' | 'sata' | 'scsi' | 'ide' | 'usb' | 'fdc' };
  readonly?: boolean;
  shareable?: boolean;
  serial?: string;
  boot?: BootOrder;
}

export interface Controller extends DeviceCommon {
  type: 'pci' | 'usb' | 'sata' | 'scsi' | 'ide' | 'virtio-serial' | 'fdc';
  index: number;
  model?: string;
  ports?: number;
  vectors?: number;
  /** PCI controllers: <target chassis= port=/> */
  target?: { chassis?: number; port?: number; busNr?: number };
  /** PCI controllers: <model name='pcie-root-port'/> (the QEMU device name libvirt records) */
  modelName?: string;
  /** USB companion controllers (ich9-uhci*): <master startport=/>, the first port they serve of the same index's USB2 controller */
  master?: { startport: number };
}

export interface NetInterface extends DeviceCommon {
  type: 'user' | 'network' | 'bridge';
  mac: string;
  source?: { network?: string; bridge?: string; portgroup?: string };
  model?: string;
  /** host-side device name (tap); set when running */
  target?: { dev: string };
  link?: 'up' | 'down';
  mtu?: number;
  boot?: BootOrder;
}

export interface CharSource {
  /** pty: the allocated /dev/pts/N when running; unix: socket path; file: file path */
  path?: string;
  mode?: 'bind' | 'connect';
}

/** serial, console and channel share libvirt's character device XML. */
export interface CharDevice extends DeviceCommon {
  type: 'pty' | 'unix' | 'file' | 'null' | 'stdio';
  source?: CharSource;
  target?: {
    type?: string; // serial: isa-serial|pci-serial|usb-serial; console: serial|virtio; channel: virtio
    port?: number;
    name?: string; // channel: org.qemu.guest_agent.0
    state?: 'connected' | 'disconnected';
    model?: string; // serial: <model name='isa-serial'/>
  };
  log?: { file: string; append?: boolean };
}

export interface GraphicsListen {
  type: 'address' | 'none' | 'socket';
  address?: string;
  socket?: string;
}
export interface Graphics {
  type: 'vnc';
  /** -1 with autoport; the real port when running */
  port?: number;
  autoport?: boolean;
  websocket?: number;
  listen?: string;
  listens: GraphicsListen[];
  passwd?: string;
  keymap?: string;
}

export interface Video extends DeviceCommon {
  model: {
    type: 'vga' | 'cirrus' | 'virtio' | 'qxl' | 'bochs' | 'ramfb' | 'none';
    vram?: number;
    heads?: number;
    primary?: boolean;
    /** qxl only: ram and vgamem sizes in KiB */
    ram?: number;
    vgamem?: number;
  };
}

export interface Input extends DeviceCommon {
  type: 'tablet' | 'mouse' | 'keyboard';
  bus: 'usb' | 'ps2' | 'virtio';
}

export interface Hostdev extends DeviceCommon {
  mode: 'subsystem';
  type: 'pci';
  managed: boolean;
  driver?: 'vfio';
  source: { address: PciAddress };
  boot?: BootOrder;
}

export interface Memballoon extends DeviceCommon {
  model: 'virtio' | 'none';
  autodeflate?: boolean;
  statsPeriod?: number;
}

export interface Rng extends DeviceCommon {
  model: 'virtio';
  backend: { model: 'random'; path: string } | { model: 'builtin' };
  rate?: { bytes: number; period?: number };
}

export interface Watchdog extends DeviceCommon {
  model: 'i6300esb' | 'ib700' | 'itco';
  action: 'reset' | 'shutdown' | 'poweroff' | 'pause' | 'none' | 'dump' | 'inject-nmi';
}

/** <panic model='isa'/>: a pvpanic device through which the guest tells QEMU it crashed (on_crash acts on it). */
export interface Panic extends DeviceCommon {
  model: 'isa';
}

/** <audio>: a host audio backend that sound devices and graphics play through (libvirt 9.0 adds type='none' when there is none). */
export interface Audio {
  id: number;
  type: 'none';
}

export interface DomainDevices {
  emulator?: string;
  disks: Disk[];
  controllers: Controller[];
  interfaces: NetInterface[];
  serials: CharDevice[];
  consoles: CharDevice[];
  channels: CharDevice[];
  inputs: Input[];
  graphics: Graphics[];
  videos: Video[];
  hostdevs: Hostdev[];
  watchdogs: Watchdog[];
  rngs: Rng[];
  memballoon?: Memballoon;
  panics?: Panic[];
  audios?: Audio[];
}

export interface DomainOs {
  type: 'hvm';
  arch?: string;
  machine?: string;
  boot: Array<'hd' | 'cdrom' | 'network' | 'fd'>;
  bootmenu?: { enable: boolean; timeout?: number };
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  loader?: { path: string; readonly?: boolean; type?: 'rom' | 'pflash'; secure?: boolean };
  nvram?: { path?: string; template?: string };
  firmware?: 'bios' | 'efi';
}

export interface DomainCpu {
  mode: 'host-passthrough' | 'host-model' | 'custom' | 'maximum';
  match?: 'exact' | 'minimum' | 'strict';
  check?: 'none' | 'partial' | 'full';
  migratable?: boolean;
  model?: { name: string; fallback?: 'allow' | 'forbid' };
  vendor?: string;
  topology?: { sockets: number; dies?: number; cores: number; threads: number };
  features: Array<{ policy: 'force' | 'require' | 'optional' | 'disable' | 'forbid'; name: string }>;
}

export interface ClockTimer {
  name: string; // rtc, pit, hpet, kvmclock, hypervclock, tsc
  tickpolicy?: string;
  present?: boolean;
}
export interface DomainClock {
  offset: 'utc' | 'localtime' | 'timezone' | 'variable';
  timezone?: string;
  adjustment?: string;
  basis?: 'utc' | 'localtime';
  timers: ClockTimer[];
}

export interface DomainVcpu {
  count: number;
  current?: number;
  placement?: 'static' | 'auto';
  cpuset?: string;
}

export interface Domain {
  type: DomainVirtType;
  name: string;
  /** lower-case RFC 4122 text form; generated when absent */
  uuid: string;
  /** live id, only in live XML */
  id?: number;
  title?: string;
  description?: string;
  /** inner XML of <metadata>, kept verbatim */
  metadata?: string;
  memory: number;
  currentMemory?: number;
  maxMemory?: { size: number; slots: number };
  vcpu: DomainVcpu;
  os: DomainOs;
  features: { acpi?: boolean; apic?: boolean; pae?: boolean };
  cpu?: DomainCpu;
  clock?: DomainClock;
  onPoweroff?: LifecycleAction;
  onReboot?: LifecycleAction;
  onCrash?: LifecycleAction;
  /** <pm>: whether the guest may suspend to RAM (S3) / to disk (S4); unset leaves QEMU's default */
  pm?: { suspendToMem?: boolean; suspendToDisk?: boolean };
  devices: DomainDevices;
}
