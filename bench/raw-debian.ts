// Raw QEMU booting the Debian image with the devices tsvirt and libvirt give the domain XML of
// bench/guests.ts (written by hand from the argv tsvirt logs): virtio-blk on a qcow2 overlay,
// the serial console to a file, the guest agent's virtio-serial port, a balloon, the default
// USB controller; UEFI as two pflash drives (read-only code, a copy of the variable template).
import path from 'node:path';
import { RawQemu } from './rawqemu.js';

export interface RawDebianOptions {
  /** the qcow2 overlay to boot */
  disk: string;
  memoryMiB: number;
  /** UEFI: firmware code and this run's copy of the variable store; absent for BIOS */
  efi?: { code: string; vars: string };
}

export class RawDebian extends RawQemu {
  constructor(dir: string, name: string, readonly opts: RawDebianOptions) {
    super(dir, name, { kernel: '', initrd: '' });
  }

  protected override argv(): string[] {
    const o = this.opts;
    const efi = o.efi;
    const machine = efi ? 'q35,accel=tcg,pflash0=fw-code,pflash1=fw-vars' : 'pc,accel=tcg';
    const agent = path.join(this.dir, `${this.name}.agent`);
    return [
      '-name', `guest=${this.name}`, '-machine', machine, '-m', String(o.memoryMiB), '-smp', '1',
      '-nodefaults', '-no-user-config', '-display', 'none', '-rtc', 'base=utc', '-boot', 'strict=on',
      ...(efi ? [
        '-blockdev', JSON.stringify({ driver: 'file', filename: efi.code, 'node-name': 'fw-code', 'read-only': true }),
        '-blockdev', JSON.stringify({ driver: 'file', filename: efi.vars, 'node-name': 'fw-vars' }),
      ] : []),
      '-device', efi ? 'qemu-xhci,id=usb' : 'piix3-usb-uhci,id=usb',
      '-blockdev', JSON.stringify({ driver: 'file', filename: o.disk, 'node-name': 'disk-file' }),
      '-blockdev', JSON.stringify({ driver: 'qcow2', file: 'disk-file', 'node-name': 'disk' }),
      '-device', 'virtio-blk-pci,drive=disk,id=virtio-disk0,bootindex=1',
      '-chardev', `file,id=serial0,path=${this.serialLog}`, '-serial', 'chardev:serial0',
      '-device', 'virtio-serial-pci,id=virtio-serial0',
      '-chardev', `socket,id=agent,path=${agent},server=on,wait=off`,
      '-device', 'virtserialport,bus=virtio-serial0.0,nr=1,chardev=agent,name=org.qemu.guest_agent.0',
      '-device', 'virtio-balloon-pci',
      '-qmp', `unix:${this.qmpPath},server=on,wait=off`, '-S',
    ];
  }
}
