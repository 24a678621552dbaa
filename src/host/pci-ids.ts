// Names of PCI vendors, products and classes, read at run time from the pci.ids database
// (Debian package pci.ids: /usr/share/misc/pci.ids). Nothing of the database is kept in
// the code; without the file, devices simply have no names.
import { readFileSync } from 'node:fs';

export const PCI_IDS_FILE = '/usr/share/misc/pci.ids';

const hx = (n: number) => n.toString(16).padStart(2, '0');

export class PciIds {
  private readonly vendors = new Map<number, string>();
  private readonly devices = new Map<number, string>(); // vendor << 16 | device
  private readonly classes = new Map<string, string>(); // 'cc', 'ccss', 'ccsspp' in hex

  constructor(text: string) {
    let vendor = -1;
    let klass = -1;
    let sub = -1;
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('C ')) {
        klass = parseInt(line.slice(2, 4), 16);
        vendor = -1;
        this.classes.set(line.slice(2, 4).toLowerCase(), line.slice(4).trim());
      } else if (!line.startsWith('\t')) {
        klass = -1;
        vendor = parseInt(line.slice(0, 4), 16);
        if (!Number.isNaN(vendor)) this.vendors.set(vendor, line.slice(4).trim());
      } else if (line.startsWith('\t\t')) {
        if (klass >= 0 && sub >= 0) this.classes.set(hx(klass) + hx(sub) + line.slice(2, 4).toLowerCase(), line.slice(4).trim());
      } else if (klass >= 0) {
        sub = parseInt(line.slice(1, 3), 16);
        this.classes.set(hx(klass) + hx(sub), line.slice(3).trim());
      } else if (vendor >= 0) {
        this.devices.set(vendor * 0x10000 + parseInt(line.slice(1, 5), 16), line.slice(5).trim());
      }
    }
  }

  vendor(id: number): string | undefined {
    return this.vendors.get(id);
  }

  product(vendor: number, device: number): string | undefined {
    return this.devices.get(vendor * 0x10000 + device);
  }

  /** "Ethernet controller" for 0x020000: the subclass name, else the class name. */
  className(classCode: number): string | undefined {
    const c = hx(classCode >> 16 & 0xff);
    return this.classes.get(c + hx(classCode >> 8 & 0xff)) ?? this.classes.get(c);
  }
}

const cache = new Map<string, PciIds>();

/** The database at `file` (parsed once per file); empty when the file is missing. */
export function loadPciIds(file = PCI_IDS_FILE): PciIds {
  let ids = cache.get(file);
  if (!ids) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // no database installed: names stay empty
    }
    ids = new PciIds(text);
    cache.set(file, ids);
  }
  return ids;
}
