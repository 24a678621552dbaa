// Sample capability inputs (a 2-core x86_64 host with QEMU 7.2) for tests and
// documentation of the input shapes.
import type { DomainCapsInput, GuestCapsInput, HostCapsInput } from './capabilities-xml.js';

export const SAMPLE_HOST: HostCapsInput = {
  uuid: '8a38fad1-b507-49b4-985e-7ab84f0357fa',
  arch: 'x86_64',
  cpuModel: 'kvm64',
  cpuVendor: 'AMD',
  cpuFeatures: ['vme', 'ssse3', 'avx2'],
  topology: { sockets: 1, dies: 1, cores: 2, threads: 1 },
  memoryKiB: 4942040,
  cpus: 2,
  iommu: false,
};

export const SAMPLE_GUESTS: GuestCapsInput[] = [
  {
    arch: 'x86_64',
    wordsize: 64,
    emulator: '/usr/bin/qemu-system-x86_64',
    machines: [
      { name: 'pc-i440fx-7.2', maxCpus: 255 },
      { name: 'pc', canonical: 'pc-i440fx-7.2', maxCpus: 255 },
      { name: 'pc-q35-7.2', maxCpus: 288 },
      { name: 'q35', canonical: 'pc-q35-7.2', maxCpus: 288 },
      { name: 'pc-i440fx-1.4', maxCpus: 255, deprecated: true },
    ],
    domainTypes: ['qemu'],
  },
  {
    arch: 'i686',
    wordsize: 32,
    emulator: '/usr/bin/qemu-system-i386',
    machines: [{ name: 'pc', canonical: 'pc-i440fx-7.2', maxCpus: 255 }],
    domainTypes: ['qemu', 'kvm'],
  },
];

export const SAMPLE_DOMAIN_CAPS: DomainCapsInput = {
  path: '/usr/bin/qemu-system-x86_64',
  domain: 'qemu',
  machine: 'pc-i440fx-7.2',
  arch: 'x86_64',
  maxVcpus: 255,
  firmwares: ['efi'],
  loaders: ['/usr/share/OVMF/OVMF_CODE_4M.fd'],
  hostPassthrough: false,
  maximum: true,
  hostModel: { model: 'EPYC', vendor: 'AMD', features: [{ policy: 'require', name: 'acpi' }] },
  cpuModels: [{ name: 'qemu64', usable: 'yes' }, { name: 'Skylake-Client', usable: 'no', vendor: 'Intel' }],
  diskDevices: ['disk', 'cdrom', 'floppy', 'lun'],
  diskBuses: ['ide', 'fdc', 'scsi', 'virtio', 'usb', 'sata'],
  graphicsTypes: ['vnc'],
  videoModels: ['vga', 'cirrus', 'virtio', 'qxl', 'bochs', 'ramfb', 'none'],
  hostdevSubsysTypes: ['pci'],
  rngModels: ['virtio'],
  rngBackends: ['random', 'builtin'],
  features: { vmcoreinfo: true, genid: true },
};
