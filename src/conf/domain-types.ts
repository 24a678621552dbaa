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

/** Fields every device may carry. `alias` is live-only (libvirt shows it in live XML), except a
 *  user alias ('ua-' prefix), which libvirt keeps in the definition and uses as the QEMU id. */
export interface DeviceCommon {
  address?: DeviceAddress;
  alias?: string;
}

/** The common virtio <driver> options (see domain-virtio-driver-xml.ts). */
export type { VirtioDriverOptions } from './domain-virtio-driver-xml.js';
import type { VirtioDriverOptions } from './domain-virtio-driver-xml.js';
import type { DeviceRom, NetBackend, NetBandwidth, NetDriver, NetFilterRef, NetHostdev, NetIpInfo, NetPortForward, NetSource, NetType, NetVirtualPort, NetVlan } from './domain-net-types.js';

export interface BootOrder {
  order: number;
}

export type DiskType = 'file' | 'block' | 'dir' | 'network' | 'volume' | 'nvme' | 'vhostuser';
export type DiskBus = 'virtio' | 'sata' | 'scsi' | 'ide' | 'usb' | 'fdc' | 'sd';
export type NetProtocol = 'nbd' | 'rbd' | 'sheepdog' | 'gluster' | 'iscsi' | 'http' | 'https' | 'ftp' | 'ftps' | 'tftp' | 'ssh' | 'vxhs' | 'nfs';

/** <secret type= uuid=|usage=/> under <auth> or <encryption> */
export interface DiskSecretRef { type?: string; uuid?: string; usage?: string }
export interface DiskAuth { username: string; type?: 'chap' | 'ceph'; secret: DiskSecretRef }
export interface DiskEncryption {
  format: 'default' | 'qcow' | 'luks' | 'luks2';
  engine?: 'qemu' | 'librbd';
  secrets: DiskSecretRef[];
  cipher?: { name: string; size: number; mode?: string; hash?: string };
  ivgen?: { name: string; hash?: string };
}
/** <host name= port= transport= socket=/> of a network disk source */
export interface NetHost { name?: string; port?: number; transport?: 'tcp' | 'unix' | 'rdma'; socket?: string }

/** A disk's (or backing store's) <source>: which fields apply depends on the disk type. */
export interface DiskSource {
  file?: string;
  /** file: the fd group passed with virDomainFDAssociate that backs it */
  fdgroup?: string;
  dev?: string;
  dir?: string;
  pool?: string;
  volume?: string;
  mode?: 'host' | 'direct';
  protocol?: NetProtocol;
  /** network: name= as written (gluster/rbd: pool/image) */
  name?: string;
  query?: string;
  tls?: boolean;
  tlsHostname?: string;
  hosts?: NetHost[];
  /** nfs: <identity user= group=/> */
  identity?: { user?: string; group?: string };
  snapshot?: string;
  config?: string;
  /** iscsi: <initiator><iqn name=/></initiator> */
  initiatorIqn?: string;
  sslVerify?: boolean;
  cookies?: Array<{ name: string; value: string }>;
  readahead?: number;
  timeout?: number;
  /** nvme: <source type='pci' managed= namespace=><address/></source> */
  nvme?: { managed?: boolean; namespace: number; address: PciAddress };
  /** vhostuser: <source type='unix' path=><reconnect/></source> */
  vhostuser?: { path: string; reconnect?: { enabled: boolean; timeout?: number } };
  /** <slices><slice type='storage' offset= size=/></slices> */
  sliceStorage?: { offset: number; size: number };
  seclabels?: DeviceSeclabel[];
  auth?: DiskAuth;
  encryption?: DiskEncryption;
  /** <reservations managed=><source type='unix' path= mode=/></reservations> */
  reservations?: { managed: boolean; source?: { type: string; path: string; mode: string } };
  startupPolicy?: 'mandatory' | 'requisite' | 'optional';
  /** live-only node index (libvirt drops it from a definition) */
  index?: number;
}

/** <backingStore>: a chain member below the disk's image, or the empty terminator. */
export interface BackingStore {
  /** absent: the empty <backingStore/> terminator (no backing image) */
  type?: Exclude<DiskType, 'volume'> | 'volume';
  format?: string;
  metadataCacheMaxSize?: number;
  source?: DiskSource;
  backingStore?: BackingStore;
  index?: number;
}

export type OnOff = 'on' | 'off';

export interface DiskDriver {
  name?: string;
  /** image format: raw, qcow2, vmdk, fat, ... */
  type?: string;
  cache?: string;
  errorPolicy?: 'stop' | 'report' | 'ignore' | 'enospace';
  rerrorPolicy?: 'stop' | 'report' | 'ignore';
  io?: string;
  ioeventfd?: OnOff;
  eventIdx?: OnOff;
  copyOnRead?: OnOff;
  discard?: string;
  iothread?: number;
  detectZeroes?: 'off' | 'on' | 'unmap';
  queues?: number;
  queueSize?: number;
  iommu?: OnOff;
  ats?: OnOff;
  packed?: OnOff;
  pagePerVq?: OnOff;
  /** <metadata_cache><max_size/></metadata_cache>, bytes */
  metadataCacheMaxSize?: number;
}

/** <iotune>: counters in libvirt's names (bytes/s, IOPS, seconds) */
export type DiskIotune = Partial<Record<
  | 'total_bytes_sec' | 'read_bytes_sec' | 'write_bytes_sec' | 'total_iops_sec' | 'read_iops_sec' | 'write_iops_sec'
  | 'total_bytes_sec_max' | 'read_bytes_sec_max' | 'write_bytes_sec_max' | 'total_iops_sec_max' | 'read_iops_sec_max' | 'write_iops_sec_max'
  | 'size_iops_sec'
  | 'total_bytes_sec_max_length' | 'read_bytes_sec_max_length' | 'write_bytes_sec_max_length'
  | 'total_iops_sec_max_length' | 'read_iops_sec_max_length' | 'write_iops_sec_max_length', number>> & { group_name?: string };

export interface Disk extends DeviceCommon {
  type: DiskType;
  device: 'disk' | 'cdrom' | 'floppy' | 'lun';
  model?: 'virtio' | 'virtio-transitional' | 'virtio-non-transitional';
  rawio?: boolean;
  sgio?: 'filtered' | 'unfiltered';
  snapshot?: 'no' | 'internal' | 'external' | 'manual';
  driver?: DiskDriver;
  /** file for type=file, dev for type=block, pool+volume for type=volume, protocol+hosts for network, ... */
  source?: DiskSource;
  backingStore?: BackingStore;
  /** <backenddomain name=/>: the (Xen) domain serving the disk; kept, meaningless to QEMU */
  backendDomain?: string;
  /** <auth> written as a child of <disk> (older placement) instead of <source> */
  auth?: DiskAuth;
  /** <encryption> written as a child of <disk> instead of <source> */
  encryption?: DiskEncryption;
  geometry?: { cyls?: number; heads?: number; secs?: number; trans?: 'none' | 'auto' | 'lba' };
  blockio?: { logicalBlockSize?: number; physicalBlockSize?: number };
  target: { dev: string; bus?: DiskBus; tray?: 'open' | 'closed'; removable?: OnOff; rotationRate?: number };
  iotune?: DiskIotune;
  readonly?: boolean;
  shareable?: boolean;
  transient?: { shareBacking?: boolean };
  serial?: string;
  wwn?: string;
  vendor?: string;
  product?: string;
  boot?: BootOrder;
}

export interface Controller extends DeviceCommon {
  type: 'pci' | 'usb' | 'sata' | 'scsi' | 'ide' | 'virtio-serial' | 'fdc' | 'ccid' | 'xenbus' | 'isa';
  index: number;
  model?: string;
  ports?: number;
  vectors?: number;
  /** xenbus only (refused by the QEMU driver, kept for the message) */
  maxGrantFrames?: number;
  maxEventChannels?: number;
  /** PCI controllers: <target chassisNr= chassis= port= busNr= index= hotplug=><node/></target> */
  target?: { chassisNr?: number; chassis?: number; port?: number; busNr?: number; index?: number; hotplug?: boolean; node?: number };
  /** <driver queues cmd_per_lun max_sectors ioeventfd iothread + virtio options/> */
  driver?: { queues?: number; cmdPerLun?: number; maxSectors?: number; ioeventfd?: boolean; iothread?: number; virtio?: VirtioDriverOptions };
  /** pci-root / pcie-root: <pcihole64 unit='KiB'>size</pcihole64> */
  pcihole64?: number;
  /** PCI controllers: <model name='pcie-root-port'/> (the QEMU device name libvirt records) */
  modelName?: string;
  /** USB companion controllers (ich9-uhci*): <master startport=/>, the first port they serve of the same index's USB2 controller */
  master?: { startport: number };
}

/** <interface>; the parts are in domain-net-types.ts (fields in libvirt's format order). */
export interface NetInterface extends DeviceCommon {
  type: NetType;
  mac: string;
  macType?: 'generated' | 'static';
  macCheck?: boolean;
  trustGuestRxFilters?: boolean;
  /** type='hostdev': managed='yes' */
  managed?: boolean;
  hostdev?: NetHostdev;
  source?: NetSource;
  /** <source><ip/><route/></source>: host side of an ethernet tap */
  hostIp?: NetIpInfo;
  vlan?: NetVlan;
  virtualport?: NetVirtualPort;
  bandwidth?: NetBandwidth;
  /** <port isolated=/> */
  portIsolated?: boolean;
  /** <ip/><route/> directly under <interface>: guest side (user) */
  guestIp?: NetIpInfo;
  portForwards?: NetPortForward[];
  script?: string;
  downscript?: string;
  /** host-side device name (tap); managed='no': an existing tap tsvirt must not create or delete */
  target?: { dev?: string; managed?: boolean };
  guest?: { dev?: string; actual?: string };
  model?: string;
  driver?: NetDriver;
  backend?: NetBackend;
  filterref?: NetFilterRef;
  /** <tune><sndbuf/></tune>, bytes */
  sndbuf?: number;
  teaming?: { type: 'persistent' | 'transient'; persistent?: string };
  link?: 'up' | 'down';
  mtu?: number;
  /** <coalesce><rx><frames max=/></rx></coalesce> */
  coalesceRxFrames?: number;
  boot?: BootOrder;
  rom?: DeviceRom;
  acpiIndex?: number;
}

export type CharType =
  | 'pty' | 'dev' | 'file' | 'pipe' | 'unix' | 'tcp' | 'udp' | 'null' | 'vc' | 'stdio'
  | 'spicevmc' | 'spiceport' | 'nmdm' | 'qemu-vdagent' | 'dbus';

/** A per-device security label override (<source><seclabel>), as on disks. */
export interface DeviceSeclabel {
  model?: string;
  relabel: boolean;
  label?: string;
}

/** The host side of a character device; which fields apply depends on the type. */
export interface CharSource {
  /** pty: the allocated /dev/pts/N when running; unix: socket path; file/dev/pipe: path */
  path?: string;
  /** unix and tcp: listen (bind) or connect */
  mode?: 'bind' | 'connect';
  /** file: append= */
  append?: boolean;
  /** tcp */
  host?: string;
  service?: string;
  tls?: boolean;
  /** tcp and unix in connect mode */
  reconnect?: { enabled: boolean; timeout?: number };
  /** udp: one <source mode='bind'> and one <source mode='connect'> */
  bindHost?: string;
  bindService?: string;
  connectHost?: string;
  connectService?: string;
  /** spiceport, dbus */
  channel?: string;
  /** nmdm (bhyve only) */
  master?: string;
  slave?: string;
  /** qemu-vdagent */
  clipboard?: boolean;
  mouse?: 'server' | 'client';
  seclabels?: DeviceSeclabel[];
}

/** serial, parallel, console and channel share libvirt's character device XML. */
export interface CharDevice extends DeviceCommon {
  type: CharType;
  source?: CharSource;
  /** tcp: <protocol type=> (libvirt writes raw when absent) */
  protocol?: 'raw' | 'telnet' | 'telnets' | 'tls';
  target?: {
    type?: string; // serial: isa-serial|pci-serial|usb-serial|isa-debug; console: serial|virtio; channel: virtio|guestfwd
    /** serial/parallel/console port; a guestfwd channel's TCP port */
    port?: number;
    name?: string; // channel: org.qemu.guest_agent.0
    state?: 'connected' | 'disconnected';
    model?: string; // serial: <model name='isa-serial'/>
    /** guestfwd channel: the IPv4 address the guest connects to */
    address?: string;
  };
  log?: { file: string; append?: boolean };
}

export interface GraphicsListen {
  type: 'address' | 'none' | 'socket' | 'network';
  address?: string;
  socket?: string;
  network?: string;
}
export type GraphicsType = 'vnc' | 'spice' | 'sdl' | 'rdp' | 'desktop' | 'egl-headless' | 'dbus';
export type SpiceChannelName = 'main' | 'display' | 'inputs' | 'cursor' | 'playback' | 'record' | 'smartcard' | 'usbredir';
export type SpiceChannelMode = 'any' | 'secure' | 'insecure';
/** <graphics>: one interface for every type; each field says which types use it. */
export interface Graphics {
  type: GraphicsType;
  /** vnc/spice/rdp: -1 with autoport; the real port when running */
  port?: number;
  /** spice */
  tlsPort?: number;
  autoport?: boolean;
  /** vnc */
  websocket?: number;
  /** legacy listen attribute (vnc/spice/rdp), mirrors the first address listen */
  listen?: string;
  listens: GraphicsListen[];
  /** vnc/spice */
  passwd?: string;
  /** vnc/spice: YYYY-MM-DDTHH:MM:SS (UTC) */
  passwdValidTo?: string;
  connected?: 'fail' | 'disconnect' | 'keep';
  keymap?: string;
  /** vnc */
  sharePolicy?: 'allow-exclusive' | 'force-shared' | 'ignore';
  powerControl?: boolean;
  /** vnc/dbus: <audio id=/> */
  audioId?: number;
  /** spice */
  defaultMode?: 'secure' | 'insecure';
  channels?: Array<{ name: SpiceChannelName; mode: SpiceChannelMode }>;
  image?: 'auto_glz' | 'auto_lz' | 'quic' | 'glz' | 'lz' | 'off';
  jpeg?: 'auto' | 'never' | 'always';
  zlib?: 'auto' | 'never' | 'always';
  playback?: boolean;
  streaming?: 'filter' | 'all' | 'off';
  mouse?: 'server' | 'client';
  copypaste?: boolean;
  filetransfer?: boolean;
  /** spice/sdl/dbus: <gl enable=>; egl-headless/spice/dbus: rendernode */
  gl?: boolean;
  rendernode?: string;
  /** sdl/desktop */
  display?: string;
  fullscreen?: boolean;
  /** sdl */
  xauth?: string;
  /** rdp */
  replaceUser?: boolean;
  multiUser?: boolean;
  /** dbus */
  address?: string;
  p2p?: boolean;
}

export type VideoType = 'vga' | 'cirrus' | 'vmvga' | 'xen' | 'vbox' | 'qxl' | 'virtio' | 'gop' | 'bochs' | 'ramfb' | 'none';
export interface Video extends DeviceCommon {
  model: {
    type: VideoType;
    vram?: number;
    vram64?: number;
    heads?: number;
    primary?: boolean;
    blob?: boolean;
    /** qxl only: ram and vgamem sizes in KiB */
    ram?: number;
    vgamem?: number;
    acceleration?: { accel3d?: boolean; accel2d?: boolean; rendernode?: string };
    resolution?: { x: number; y: number };
  };
  driver?: { name?: 'qemu' | 'vhostuser'; vgaconf?: 'io' | 'on' | 'off'; virtio?: VirtioDriverOptions };
}

export interface Input extends DeviceCommon {
  type: 'tablet' | 'mouse' | 'keyboard' | 'passthrough' | 'evdev';
  bus?: 'usb' | 'ps2' | 'virtio' | 'xen' | 'none';
  model?: 'virtio' | 'virtio-transitional' | 'virtio-non-transitional';
  /** passthrough: <source evdev=/>; evdev: <source dev= grab= repeat= grabToggle=/> */
  source?: { evdev?: string; dev?: string; grab?: 'all'; repeat?: boolean; grabToggle?: string };
  driver?: VirtioDriverOptions;
}

/** <hostdev mode='subsystem'>: a host PCI/USB/SCSI device or mediated device given to the guest. */
export interface Hostdev extends DeviceCommon {
  mode: 'subsystem';
  type: 'pci' | 'usb' | 'scsi' | 'scsi_host' | 'mdev';
  managed: boolean;
  /** PCI: <driver name=/> (the backend; only vfio runs) */
  driver?: 'vfio' | 'kvm' | 'xen' | 'default';
  /** PCI: source address; USB, SCSI, scsi_host and mdev use the fields below instead */
  source: HostdevSource;
  boot?: BootOrder;
  /** SCSI: sgio= and rawio= */
  sgio?: 'filtered' | 'unfiltered';
  rawio?: boolean;
  /** scsi_host: model=; mdev: model= display= ramfb= */
  model?: string;
  display?: boolean;
  ramfb?: boolean;
  teaming?: { type: 'persistent' | 'transient'; persistent?: string };
  readonly?: boolean;
  shareable?: boolean;
  rom?: { enabled?: boolean; bar?: boolean; file?: string };
  /** live only: a startupPolicy='optional' USB device that was not on the host at start */
  missing?: boolean;
  /** PCI: <address type='unassigned'/>: taken from the host (bound to vfio) but not given to the guest */
  unassigned?: boolean;
}
export interface HostdevSource {
  address?: PciAddress;
  writeFiltering?: boolean;
  startupPolicy?: 'mandatory' | 'requisite' | 'optional';
  guestReset?: 'off' | 'uninitialized' | 'on';
  usb?: { vendor?: number; product?: number; bus?: number; device?: number };
  /** SCSI on a host adapter */
  adapter?: { name: string; bus: number; target: number; unit: number };
  /** SCSI over iSCSI */
  iscsi?: { name: string; host: { name: string; port?: number }; auth?: { username: string; secretType: string; usage?: string; uuid?: string }; initiator?: string };
  /** scsi_host: vhost target */
  wwpn?: string;
  /** mdev */
  uuid?: string;
}

/** <hub type='usb'/> */
export interface Hub extends DeviceCommon {
  type: 'usb';
}

/** The character device source of a <redirdev> or passthrough <smartcard> (tcp, unix, spicevmc, pty, ...). */
export interface UsbCharSource {
  type: string;
  mode?: 'bind' | 'connect';
  host?: string;
  service?: string;
  path?: string;
  /** tcp: <protocol type=/> */
  protocol?: string;
  /** spiceport, dbus: <source channel=/> */
  channel?: string;
  tls?: boolean;
  reconnect?: { enabled: boolean; timeout?: number };
}
export interface Redirdev extends DeviceCommon {
  bus: 'usb';
  source: UsbCharSource;
  boot?: BootOrder;
}
export interface RedirFilterRule {
  class?: number;
  vendor?: number;
  product?: number;
  version?: string;
  allow: boolean;
}
export interface Smartcard extends DeviceCommon {
  mode: 'host' | 'host-certificates' | 'passthrough';
  certificates?: string[];
  database?: string;
  source?: UsbCharSource;
  /** <address type='ccid' controller= slot=/> (kept apart from DeviceAddress: only smartcards have it) */
  ccid?: { controller: number; slot: number };
}

export interface Tpm extends DeviceCommon {
  model?: 'tpm-tis' | 'tpm-crb' | 'tpm-spapr' | 'spapr-tpm-proxy';
  backend: {
    type: 'passthrough' | 'emulator' | 'external';
    version?: '1.2' | '2.0';
    persistentState?: boolean;
    devicePath?: string;
    encryptionSecret?: string;
    activePcrBanks?: string[];
    source?: { type: 'unix'; mode?: 'connect'; path: string };
    /** live only: the control socket of the swtpm tsvirt started for an emulator backend */
    socket?: string;
  };
}

export interface Shmem extends DeviceCommon {
  name: string;
  role?: 'master' | 'peer';
  model?: 'ivshmem' | 'ivshmem-plain' | 'ivshmem-doorbell';
  /** KiB */
  size?: number;
  server?: { path?: string };
  msi?: { vectors?: number; ioeventfd?: boolean };
}

export interface Iommu extends DeviceCommon {
  model: 'intel' | 'virtio' | 'smmuv3';
  driver?: { intremap?: boolean; cachingMode?: boolean; eim?: boolean; iotlb?: boolean; awBits?: number };
}

export interface Vsock extends DeviceCommon {
  model?: 'virtio' | 'virtio-transitional' | 'virtio-non-transitional';
  cid?: { auto?: boolean; address?: number };
}

export interface Lease {
  lockspace?: string;
  key: string;
  target: { path: string; offset?: number };
}

export interface Memballoon extends DeviceCommon {
  model: 'virtio' | 'virtio-transitional' | 'virtio-non-transitional' | 'xen' | 'none';
  autodeflate?: boolean;
  freePageReporting?: boolean;
  statsPeriod?: number;
  driver?: VirtioDriverOptions;
}

/** egd backend: the character device the entropy daemon is reached through (type, source, protocol) */
export interface RngEgdBackend {
  model: 'egd';
  chardev: CharDevice;
}
export interface Rng extends DeviceCommon {
  model: 'virtio' | 'virtio-transitional' | 'virtio-non-transitional';
  backend: { model: 'random'; path: string } | { model: 'builtin' } | RngEgdBackend;
  rate?: { bytes: number; period?: number };
  driver?: VirtioDriverOptions;
}

export interface Watchdog extends DeviceCommon {
  model: 'i6300esb' | 'ib700' | 'diag288' | 'itco';
  action: 'reset' | 'shutdown' | 'poweroff' | 'pause' | 'none' | 'dump' | 'inject-nmi';
}

/** <panic model=...>: a device through which the guest tells the host it crashed (on_crash acts on it).
 *  isa is pvpanic; hyperv is the Hyper-V crash MSRs; pseries and s390 exist on other architectures. */
export interface Panic extends DeviceCommon {
  model?: 'isa' | 'pseries' | 'hyperv' | 's390';
}

/** <audio>'s <input>/<output>: common settings plus the backend's own attributes. */
export interface AudioIO {
  mixingEngine?: boolean;
  fixedSettings?: boolean;
  voices?: number;
  bufferLength?: number;
  settings?: { frequency?: number; channels?: number; format?: 'u8' | 's8' | 'u16' | 's16' | 'u32' | 's32' | 'f32' };
  /** alsa, oss */
  dev?: string;
  /** coreaudio, oss, sdl */
  bufferCount?: number;
  /** jack */
  serverName?: string;
  clientName?: string;
  connectPorts?: string;
  exactName?: boolean;
  /** oss */
  tryPoll?: boolean;
  /** pulseaudio */
  name?: string;
  streamName?: string;
  latency?: number;
}
export type AudioType = 'none' | 'alsa' | 'coreaudio' | 'jack' | 'oss' | 'pulseaudio' | 'sdl' | 'spice' | 'file' | 'dbus';
/** <audio>: a host audio backend that sound devices and graphics play through (libvirt 9.0 adds a default one). */
export interface Audio {
  id: number;
  type: AudioType;
  timerPeriod?: number;
  input?: AudioIO;
  output?: AudioIO;
  /** oss */
  tryMMap?: boolean;
  exclusive?: boolean;
  dspPolicy?: number;
  /** pulseaudio */
  serverName?: string;
  /** sdl */
  driver?: 'esd' | 'alsa' | 'arts' | 'pulseaudio';
  /** file */
  path?: string;
}

export type SoundModel = 'sb16' | 'es1370' | 'pcspk' | 'ac97' | 'ich6' | 'ich9' | 'usb' | 'ich7';
/** <sound>: an emulated sound card, wired to an <audio> backend. */
export interface Sound extends DeviceCommon {
  model: SoundModel;
  codecs?: Array<'duplex' | 'micro' | 'output'>;
  audioId?: number;
}

/** <filesystem>: a host directory (or file/block/ram...) shared with the guest, over 9p (virtio-9p) or virtiofs (vhost-user-fs + virtiofsd). */
export interface Filesystem extends DeviceCommon {
  type: 'mount' | 'block' | 'file' | 'template' | 'ram' | 'bind' | 'volume';
  accessmode?: 'passthrough' | 'mapped' | 'squash';
  model?: 'virtio' | 'virtio-transitional' | 'virtio-non-transitional';
  multidevs?: 'remap' | 'forbid' | 'warn';
  /** octal permission bits (fmode/dmode attributes), 0..0o777 */
  fmode?: number;
  dmode?: number;
  driver?: {
    type?: 'path' | 'handle' | 'loop' | 'nbd' | 'ploop' | 'virtiofs';
    format?: string;
    wrpolicy?: 'immediate';
    queue?: number;
    virtio?: import('./domain-virtio-driver-xml.js').VirtioDriverOptions;
  };
  /** virtiofs only: <binary> (the virtiofsd to run and its options) */
  binary?: {
    path?: string;
    xattr?: boolean;
    cache?: 'none' | 'always';
    sandbox?: 'namespace' | 'chroot';
    lock?: { posix?: boolean; flock?: boolean };
    threadPoolSize?: number;
  };
  /** dir (mount/bind), file, dev (block), name (template), pool+volume, usage in KiB (ram), socket (virtiofs run elsewhere) */
  source?: { dir?: string; file?: string; dev?: string; name?: string; pool?: string; volume?: string; usage?: number; socket?: string };
  target: { dir: string };
  readonly?: boolean;
  /** bytes */
  spaceHardLimit?: number;
  spaceSoftLimit?: number;
  boot?: BootOrder;
}

/** <memoryBacking>: how guest RAM is backed on the host (hugepages, memfd, shared...). */
export interface MemoryBacking {
  /** present when <hugepages> is; empty pages = the host's default huge page size */
  hugepages?: Array<{ size: number; nodeset?: string }>;
  nosharepages?: boolean;
  locked?: boolean;
  source?: 'file' | 'anonymous' | 'memfd';
  access?: 'shared' | 'private';
  allocation?: { mode?: 'immediate' | 'ondemand'; threads?: number };
  discard?: boolean;
}

export interface DomainDevices {
  emulator?: string;
  disks: Disk[];
  controllers: Controller[];
  filesystems?: Filesystem[];
  interfaces: NetInterface[];
  serials: CharDevice[];
  parallels?: CharDevice[];
  consoles: CharDevice[];
  channels: CharDevice[];
  inputs: Input[];
  graphics: Graphics[];
  videos: Video[];
  hostdevs: Hostdev[];
  hubs?: Hub[];
  redirdevs?: Redirdev[];
  redirfilters?: RedirFilterRule[][];
  smartcards?: Smartcard[];
  tpms?: Tpm[];
  shmems?: Shmem[];
  iommus?: Iommu[];
  vsocks?: Vsock[];
  leases?: Lease[];
  watchdogs: Watchdog[];
  rngs: Rng[];
  memballoon?: Memballoon;
  panics?: Panic[];
  audios?: Audio[];
  memories?: MemoryDevice[];
  sounds?: Sound[];
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
  /** path is absent for a loader that only states attributes (firmware auto-selection) */
  loader?: { path?: string; readonly?: boolean; type?: 'rom' | 'pflash'; secure?: boolean; stateless?: boolean };
  /** path: old style text; type+source: new style <nvram type='file'><source file=/></nvram> */
  nvram?: { path?: string; template?: string; type?: DiskType; source?: DiskSource };
  firmware?: 'bios' | 'efi';
  /** <firmware><feature enabled name/></firmware>, in libvirt's order (enrolled-keys, secure-boot) */
  firmwareFeatures?: Array<{ name: 'enrolled-keys' | 'secure-boot'; enabled: boolean }>;
  bios?: { useserial?: boolean; rebootTimeout?: number };
  smbios?: 'emulate' | 'host' | 'sysinfo';
  /** <acpi><table type='slic'> path */
  acpiSlic?: string;
}

/** <features> (x86 QEMU subset modelled; other architectures' features are kept to be refused by validation). */
export interface DomainFeatures {
  acpi?: boolean;
  apic?: boolean;
  pae?: boolean;
  viridian?: boolean;
  privnet?: boolean;
  /** <apic eoi=> */
  apicEoi?: OnOff;
  hap?: OnOff;
  hyperv?: {
    mode: 'custom' | 'passthrough';
    /** in libvirt's order; spinlocks carries retries, vendor_id value, stimer direct */
    features: Array<{ name: string; state: OnOff; retries?: number; value?: string; direct?: OnOff }>;
  };
  kvm?: Array<{ name: string; state: OnOff; size?: number }>;
  pvspinlock?: OnOff;
  pmu?: OnOff;
  vmport?: OnOff;
  smm?: { state: OnOff; /** bytes */ tseg?: number };
  ioapic?: 'qemu' | 'kvm';
  vmcoreinfo?: OnOff;
  msrs?: 'ignore' | 'fault';
  /** <tcg><tb-cache> in KiB */
  tcg?: { tbCache: number };
  /** <xen> (kept as libvirt keeps it; QEMU ignores it) */
  xen?: Array<{ name: 'e820_host' | 'passthrough'; state: OnOff; mode?: 'sync_pt' | 'share_pt' }>;
  /** <capabilities> (an LXC feature; kept as libvirt keeps it) */
  capabilities?: { policy: 'default' | 'allow' | 'deny'; caps: Array<{ name: string; state: OnOff }> };
  /** features of other architectures or hypervisors (gic, hpt, htm, ...): parsed, refused by validation */
  foreign?: string[];
}

export interface DomainCpu {
  mode: 'host-passthrough' | 'host-model' | 'custom' | 'maximum';
  match?: 'exact' | 'minimum' | 'strict';
  check?: 'none' | 'partial' | 'full';
  migratable?: boolean;
  model?: { name: string; fallback?: 'allow' | 'forbid' };
  /** <model vendor_id=...> (libvirt keeps it even without a model name) */
  vendorId?: string;
  vendor?: string;
  topology?: { sockets: number; dies?: number; cores: number; threads: number };
  /** <cache level= mode=/> (level absent = -1 in libvirt) */
  cache?: { level?: number; mode: 'emulate' | 'passthrough' | 'disable' };
  maxphysaddr?: { mode: 'emulate' | 'passthrough'; bits?: number };
  features: Array<{ policy: 'force' | 'require' | 'optional' | 'disable' | 'forbid'; name: string }>;
  numa?: DomainNuma;
}

/** <cpu><numa>: guest NUMA cells, indexed by id (cells[i].id === i after parse). */
export interface DomainNuma {
  cells: NumaCell[];
  interconnects: NumaInterconnect[];
}
export interface NumaCell {
  id: number;
  /** vCPU ids, canonical bitmap text ('0-3,6') */
  cpus?: string;
  /** KiB */
  memory: number;
  memAccess?: 'shared' | 'private';
  discard?: boolean;
  /** distances to every cell that has one (sibling id -> value), in cell id order */
  distances?: Array<{ id: number; value: number }>;
  caches: Array<{ level: number; associativity?: 'none' | 'direct' | 'full'; policy?: 'none' | 'writeback' | 'writethrough'; size: number; line?: number }>;
}
export interface NumaInterconnect {
  kind: 'latency' | 'bandwidth';
  initiator: number;
  target: number;
  cache?: number;
  type: 'access' | 'read' | 'write';
  /** latency: ns; bandwidth: KiB/s */
  value: number;
}

/** <sysinfo type='smbios'> (sections with <entry name=>) or type='fwcfg' (entries with value or file). */
export interface DomainSysinfo {
  type: 'smbios' | 'fwcfg';
  /** smbios: bios, system, baseBoard (several), chassis, oemStrings; entries in document order */
  bios?: SysinfoEntry[];
  system?: SysinfoEntry[];
  baseBoard?: SysinfoEntry[][];
  chassis?: SysinfoEntry[];
  oemStrings?: string[];
  /** fwcfg */
  entries?: Array<{ name: string; value?: string; file?: string }>;
}
export interface SysinfoEntry {
  name: string;
  value: string;
}

/** <memory model=...> in <devices>: hot-pluggable memory (sizes in KiB). */
export interface MemoryDevice extends DeviceCommon {
  model: 'dimm' | 'nvdimm' | 'virtio-pmem' | 'virtio-mem';
  access?: 'shared' | 'private';
  discard?: boolean;
  uuid?: string;
  source?: { pagesize?: number; nodemask?: string; path?: string; alignsize?: number; pmem?: boolean };
  target: { size: number; node?: number; labelSize?: number; readonly?: boolean; block?: number; requested?: number };
  /** <address type='dimm' slot= base=/> (dimm and nvdimm); virtio models use `address` (PCI) */
  dimm?: { slot: number; base?: number };
}

/** Domain-level <seclabel>. */
export interface SecLabel {
  type: 'dynamic' | 'static' | 'none';
  model?: string;
  relabel: boolean;
  label?: string;
  imagelabel?: string;
  baselabel?: string;
}

export interface ClockTimer {
  name: 'platform' | 'rtc' | 'pit' | 'hpet' | 'kvmclock' | 'hypervclock' | 'tsc' | 'armvtimer';
  tickpolicy?: 'delay' | 'catchup' | 'merge' | 'discard';
  present?: boolean;
  track?: 'boot' | 'guest' | 'wall' | 'realtime';
  /** tsc only: Hz */
  frequency?: number;
  /** tsc only */
  mode?: 'auto' | 'native' | 'emulate' | 'paravirt' | 'smpsafe';
  catchup?: { threshold?: number; slew?: number; limit?: number };
}
export interface DomainClock {
  offset: 'utc' | 'localtime' | 'timezone' | 'variable' | 'absolute';
  timezone?: string;
  /** 'reset' (utc/localtime) or seconds (variable) as text */
  adjustment?: string;
  basis?: 'utc' | 'localtime';
  /** absolute: epoch seconds */
  start?: number;
  timers: ClockTimer[];
}

export interface DomainVcpu {
  count: number;
  current?: number;
  placement?: 'static' | 'auto';
  cpuset?: string;
  /** <vcpus>: per-vCPU state, one entry per vCPU id when given */
  vcpus?: Array<{ id: number; enabled: boolean; hotpluggable?: boolean; order?: number }>;
}

export interface ThreadSched {
  scheduler: 'batch' | 'idle' | 'fifo' | 'rr';
  priority?: number;
}
/** <cputune>: cgroup CPU controls, pinning and schedulers (0/absent = unset, as libvirt). */
export interface DomainCputune {
  shares?: number;
  period?: number;
  quota?: number;
  globalPeriod?: number;
  globalQuota?: number;
  emulatorPeriod?: number;
  emulatorQuota?: number;
  iothreadPeriod?: number;
  iothreadQuota?: number;
  /** sorted by vcpu */
  vcpupins: Array<{ vcpu: number; cpuset: string }>;
  emulatorpin?: string;
  iothreadpins: Array<{ iothread: number; cpuset: string }>;
  emulatorsched?: ThreadSched;
  /** one per vCPU (libvirt splits a vcpus= range), sorted */
  vcpuscheds: Array<ThreadSched & { id: number }>;
  iothreadscheds: Array<ThreadSched & { id: number }>;
}
export type NumatuneMode = 'strict' | 'preferred' | 'interleave' | 'restrictive';
export interface DomainNumatune {
  memory?: { mode: NumatuneMode; placement: 'static' | 'auto'; nodeset?: string };
  memnodes: Array<{ cellid: number; mode: NumatuneMode; nodeset: string }>;
}
/** <memtune> limits in KiB. */
export interface DomainMemtune {
  hardLimit?: number;
  softLimit?: number;
  swapHardLimit?: number;
  minGuarantee?: number;
}
export interface DomainBlkiotune {
  weight?: number;
  devices: Array<{ path: string; weight?: number; readIopsSec?: number; writeIopsSec?: number; readBytesSec?: number; writeBytesSec?: number }>;
}
export interface DomainResource {
  partition?: string;
  fibrechannelAppid?: string;
}

/** One iothread; autofill: not written in <iothreadids> (libvirt numbered it from the <iothreads> count) */
export interface IOThread { id: number; threadPoolMin?: number; threadPoolMax?: number; autofill?: boolean }

/** The QEMU driver's namespace data (<qemu:commandline> etc.). */
export interface QemuNamespace {
  args: string[];
  env: Array<{ name: string; value?: string }>;
  capsAdd: string[];
  capsDel: string[];
  overrides: Array<{ alias: string; frontend: Array<{ name: string; type: 'string' | 'signed' | 'unsigned' | 'bool' | 'remove'; value?: string }> }>;
  deprecation?: string;
}

/** <launchSecurity>: AMD SEV or s390 protected virtualization. */
export interface LaunchSecurity {
  type: 'sev' | 's390-pv';
  kernelHashes?: boolean;
  cbitpos?: number;
  reducedPhysBits?: number;
  /** sev: policy as a number (written 0x%04x) */
  policy?: number;
  dhCert?: string;
  session?: string;
}

/** One <uid>/<gid> range of <idmap>. */
export interface IdMapEntry {
  start: number;
  target: number;
  count: number;
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
  /** <memory dumpCore='on|off'>: guest memory in QEMU core dumps (-machine dump-guest-core) */
  memoryDumpCore?: OnOff;
  currentMemory?: number;
  maxMemory?: { size: number; slots: number };
  memoryBacking?: MemoryBacking;
  vcpu: DomainVcpu;
  /** <iothreads>/<iothreadids>: every iothread, those only counted by <iothreads> filled in (autofill) */
  iothreadids?: IOThread[];
  /** <defaultiothread thread_pool_min= thread_pool_max=/> */
  defaultIOThread?: { threadPoolMin?: number; threadPoolMax?: number };
  os: DomainOs;
  features: DomainFeatures;
  cpu?: DomainCpu;
  clock?: DomainClock;
  onPoweroff?: LifecycleAction;
  onReboot?: LifecycleAction;
  onCrash?: LifecycleAction;
  /** <pm>: whether the guest may suspend to RAM (S3) / to disk (S4); unset leaves QEMU's default */
  pm?: { suspendToMem?: boolean; suspendToDisk?: boolean };
  /** <idmap>: kept as libvirt keeps it; QEMU does not use it */
  idmap?: { uid: IdMapEntry[]; gid: IdMapEntry[] };
  devices: DomainDevices;
  /** <genid>: VM generation id (a UUID; libvirt generates one for an empty <genid/>) */
  genid?: string;
  /** <perf><event name enabled/></perf>, in libvirt's event order */
  perf?: Array<{ name: string; enabled: boolean }>;
  /** <keywrap> (s390 only) */
  keywrap?: { aes?: OnOff; dea?: OnOff };
  launchSecurity?: LaunchSecurity;
  onLockfailure?: 'poweroff' | 'restart' | 'pause' | 'ignore';
  /** <qemu:commandline> and the other qemu: namespace elements */
  qemuNs?: QemuNamespace;
  seclabels?: SecLabel[];
  cputune?: DomainCputune;
  numatune?: DomainNumatune;
  memtune?: DomainMemtune;
  blkiotune?: DomainBlkiotune;
  resource?: DomainResource;
  sysinfo?: DomainSysinfo[];
}
