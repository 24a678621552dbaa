// Input devices. PS/2 mouse and keyboard are built into the i440fx and q35 machines: they get an
// alias but no -device. passthrough is virtio-input-host-pci; evdev is an -object input-linux
// (libvirt's qemuBuildInputCommandLine).
import { TsvirtError } from '../util/errors.js';
import type { Domain, Input } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, pciProps, requireDevice, usbProps } from './argv-common.js';
import { virtioDriverProps } from './argv-virtio-driver.js';
import { userAliasOr } from './argv-user-alias.js';

const USB_INPUT: Partial<Record<Input['type'], string>> = { tablet: 'usb-tablet', mouse: 'usb-mouse', keyboard: 'usb-kbd' };
const VIRTIO_INPUT: Partial<Record<Input['type'], string>> = {
  tablet: 'virtio-tablet', mouse: 'virtio-mouse', keyboard: 'virtio-keyboard', passthrough: 'virtio-input-host',
};

export const inputAlias = (index: number) => `input${index}`;

/** The -device / device_add body of an input device, or undefined for a built-in PS/2 one or an evdev object. */
export function inputDeviceProps(input: Input, index: number, dom: Domain, caps: QemuCaps): Props | undefined {
  const where = `input ${index} (${input.type} on ${input.bus ?? 'none'})`;
  const id = userAliasOr(input, inputAlias(index));
  if (input.type === 'evdev') return undefined;
  if (input.bus === 'ps2') {
    if (input.type !== 'mouse' && input.type !== 'keyboard') throw new TsvirtError('config-unsupported', `${where}: only mouse and keyboard exist on PS/2`);
    return undefined;
  }
  let driver: string | undefined;
  if (input.bus === 'usb') driver = USB_INPUT[input.type];
  else if (input.bus === 'virtio') {
    const base = VIRTIO_INPUT[input.type];
    // virtio-input has no transitional variant: libvirt maps both models to the plain -pci device
    if (base) driver = `${base}-pci`;
  }
  if (!driver) throw new TsvirtError('config-unsupported', `${where} is not supported`);
  requireDevice(caps, driver, where);
  const bus = input.bus === 'usb' ? usbProps(dom, input.address, where) : pciProps(dom, input.address, where);
  const props: Props = { driver, id };
  if (input.type === 'passthrough') props.evdev = input.source?.evdev;
  return { ...props, ...bus, ...(input.bus === 'virtio' ? virtioDriverProps(input.driver) : {}) };
}

/** <input type='evdev'>: the host's event device grabbed by QEMU (-object input-linux). */
export function evdevObjectProps(input: Input, index: number): Props {
  const s = input.source ?? {};
  const props: Props = { 'qom-type': 'input-linux', id: userAliasOr(input, inputAlias(index)), evdev: s.dev };
  if (s.repeat !== undefined) props.repeat = s.repeat;
  if (s.grab === 'all') props.grab_all = true;
  if (s.grabToggle) props['grab-toggle'] = s.grabToggle;
  return props;
}

export function inputArgs(dom: Domain, caps: QemuCaps): ArgPair[] {
  const args: ArgPair[] = [];
  dom.devices.inputs.forEach((input, i) => {
    if (input.type === 'evdev') {
      args.push(jsonArg('-object', evdevObjectProps(input, i)));
      return;
    }
    const props = inputDeviceProps(input, i, dom, caps);
    if (props) args.push(jsonArg('-device', props));
  });
  return args;
}
