// Runs INSIDE the SR-IOV test VM (bundled with esbuild by scripts/make-node-guest.sh sriov):
// tsvirt's own host-device code against the guest's real kernel. Prints one line
// "TSVIRT-SRIOV-RESULT <json>" on the console; test/e2e/sriov-vm.test.ts asserts on it.
import { existsSync } from 'node:fs';
import { HostRoot } from '../../src/host/host-root.js';
import { listPciDevices, readPciDevice } from '../../src/host/pci.js';
import { loadPciIds } from '../../src/host/pci-ids.js';
import { setNumVfs } from '../../src/host/sriov.js';
import { detachDevice, reattachDevice } from '../../src/host/vfio.js';
import { lookupNodedev } from '../../src/host/nodedev.js';
import { formatNodeDeviceXml } from '../../src/conf/nodedev-xml.js';
import { TsvirtError } from '../../src/util/errors.js';

const root = new HostRoot('/');
const result: Record<string, unknown> = {};
const step = async (name: string, fn: () => Promise<unknown>) => {
  try {
    result[name] = await fn();
  } catch (e) {
    result[name] = { error: e instanceof TsvirtError ? e.code : 'exception', message: (e as Error).message };
  }
};

const ids = loadPciIds();
const devs = await listPciDevices(root);
result.devices = devs.map((d) => ({ address: d.address, class: d.classCode, className: ids.className(d.classCode), driver: d.driver, group: d.iommuGroup }));
result.ethernet = devs.filter((d) => d.classCode >> 8 === 0x0200).map((d) => d.address);
const pf = devs.find((d) => d.sriov);
result.pf = pf?.address;
if (pf) {
  await step('aboveTotal', () => setNumVfs(root, pf.address, pf.sriov!.totalVfs + 1));
  await step('created', async () => {
    const vfs = await setNumVfs(root, pf.address, 2);
    const out = [];
    for (const a of vfs) {
      const d = await readPciDevice(root, a);
      out.push({ address: a, physfn: d.physfn, group: d.iommuGroup, driver: d.driver });
    }
    return out;
  });
  result.pfXml = formatNodeDeviceXml((await lookupNodedev(root, pf.address)).device);
  const vf = (result.created as { address: string }[] | undefined)?.[0]?.address;
  if (vf) {
    await step('detached', async () => {
      const r = await detachDevice(root, vf);
      const d = await readPciDevice(root, vf);
      return { original: r.originalDriver ?? null, driver: d.driver, devVfio: existsSync(`/dev/vfio/${d.iommuGroup}`) };
    });
    await step('reattached', async () => {
      const orig = (result.detached as { original?: string | null }).original;
      await reattachDevice(root, vf, orig ?? null);
      return { driver: (await readPciDevice(root, vf)).driver ?? null };
    });
  }
  await step('removed', () => setNumVfs(root, pf.address, 0));
}
console.log('TSVIRT-SRIOV-RESULT ' + JSON.stringify(result));
