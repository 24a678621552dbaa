// Keycodes of libvirt's send-key code sets turned into QEMU's "qnum" numbers (XT scancode
// set 1, with 0xe0-prefixed keys as 0x80|code), which QMP send-key takes as numbers.
import { TsvirtError } from '../util/errors.js';

// Linux input keycodes 1..83 equal their XT scancodes; beyond that, the keys a PC keyboard has.
const LINUX_EXTRA: Record<number, number> = {
  86: 0x56, 87: 0x57, 88: 0x58, 96: 0x9c, 97: 0x9d, 98: 0xb5, 99: 0xb7, 100: 0xb8, 102: 0xc7, 103: 0xc8,
  104: 0xc9, 105: 0xcb, 106: 0xcd, 107: 0xcf, 108: 0xd0, 109: 0xd1, 110: 0xd2, 111: 0xd3, 113: 0xa0,
  114: 0xae, 115: 0xb0, 116: 0xde, 119: 0xc6, 125: 0xdb, 126: 0xdc, 127: 0xdd,
};

export type KeyCodeset = 'linux' | 'xt' | 'atset1' | 'qnum';

/** qnum of one key; an unknown key is an invalid-arg error naming it */
export function toQnum(codeset: KeyCodeset, code: number): number {
  let q: number | undefined;
  if (codeset === 'qnum') q = code;
  else if (codeset === 'xt') q = code < 0x80 ? code : undefined;
  else if (codeset === 'atset1') q = code < 0x80 ? code : code >= 0xe000 && code < 0xe080 ? 0x80 | (code & 0x7f) : undefined;
  else q = code >= 1 && code <= 83 ? code : LINUX_EXTRA[code];
  if (q === undefined || q <= 0 || q > 0xff) throw new TsvirtError('invalid-arg', `cannot translate keycode ${code} of ${codeset} keycode set`);
  return q;
}
