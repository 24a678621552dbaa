// Input devices. PS/2 mouse and keyboard are built into the i440fx and q35 machines: they get an
// alias but no -device.
import { TsvirtError } from '../util/errors.js';
import type { Domain, Input } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, pciProps, requireDevice, usbProps } from './argv-common.js';

const USB_INPUT: Record<Input['type'], string> = { tablet: 'usb-tablet', mouse: 'usb-mouse', keyboard: 'usb-kbd' };
const VIRTIO_INPUT: Record<Input['type'], string> = {
  tablet: 'virtio-tablet-pci', mouse: 'virtio-mouse-pci', keyboard: 'virtio-keyboard-pci',
};

export const inputAlias = (index: number) => `input${index}`;

/** The -device / device_add body of an input device, or undefined for a built-in PS/2 one. */
export function inputDeviceProps(input: Input, index: number, dom: Domain, caps: QemuCaps): Props | undefined {
  const where = `input ${index} (${input.type} on ${input.bus})`;
  if (input.bus === 'ps2') {
    if (input.type === 'tablet') throw new TsvirtError('config-unsupported', `${where}: there is no PS/2 tablet (use usb or virtio)`);
    return undefined;
  }
  const table = input.bus === 'usb' ? USB_INPUT : input.bus === 'virtio' ? VIRTIO_INPUT : undefined;
  const driver = table?.[input.type];
  if (!driver) throw new TsvirtError('config-unsupported', `${where} is not supported`);
  requireDevice(caps, driver, where);
  const bus = input.bus === 'usb' ? usbProps(dom, input.address, where) : pciProps(dom, input.address, where);
  return { driver, id: inputAlias(index), ...bus };
}

export function inputArgs(dom: Domain, caps: QemuCaps): ArgPair[] {
  const args: ArgPair[] = [];
  dom.devices.inputs.forEach((input, i) => {
    const props = inputDeviceProps(input, i, dom, caps);
    if (props) args.push(jsonArg('-device', props));
  });
  return args;
}
