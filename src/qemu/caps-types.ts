// What a QEMU binary can do, as probed once per binary (caps.ts) and cached.
// Plain JSON-able data so it can be cached on disk and used by pure argv builders.

export interface QemuMachineType {
  name: string;
  alias?: string;
  isDefault?: boolean;
  cpuMax?: number;
  deprecated?: boolean;
}

export interface QemuCaps {
  binary: string;
  /** e.g. { major: 7, minor: 2, micro: 22 } */
  version: { major: number; minor: number; micro: number };
  /** e.g. "Debian 1:7.2+dfsg-7+deb12u18" */
  package?: string;
  arch: string;
  machines: QemuMachineType[];
  /** QOM device type names: "virtio-blk-pci", "vfio-pci", ... */
  devices: string[];
  cpuModels: string[];
  accels: {
    tcg: boolean;
    /** true only when a real guest was seen running under KVM (kvm-probe.ts) */
    kvm: boolean;
    /** why KVM is not usable, for error messages */
    kvmReason?: string;
  };
}

/** The runtime facts an argv needs besides the domain and the caps: paths and ports chosen at start. */
export interface ArgvContext {
  accel: 'tcg' | 'kvm';
  /** QMP monitor unix socket */
  monitorPath: string;
  pidfilePath: string;
  /** folder for per-chardev logs (serial output is always logged there, as libvirt's virtlogd does) */
  logDir: string;
  /** folder for unix sockets the domain owns (channels) */
  channelDir: string;
  /** per graphics index: the VNC or SPICE port - 5900 the driver chose for autoport (vnc-ports.ts) */
  vncPorts?: number[];
  /** host tap file descriptors per interface index, as passed to the QEMU process (issue 5) */
  tapFds?: Record<number, number>;
  /**
   * Host paths of <disk type='volume'> sources, by index in dom.devices.disks, resolved by the
   * storage driver before the argv is built (the argv builder does no I/O).
   */
  resolvedDiskPaths?: Record<number, string>;
  /** host huge pages for <memoryBacking><hugepages>: the default size (KiB) and a hugetlbfs mount per size, found at start */
  hugepages?: { defaultSize: number; paths: Record<number, string> };
  /** start waiting for a migration stream (-incoming defer; the stream comes with migrate-incoming) */
  incoming?: boolean;
}
