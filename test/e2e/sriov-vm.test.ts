// Real kernel: a TCG VM with an emulated Intel IOMMU, an SR-IOV NVMe controller
// (sriov_max_vfs=2) and an e1000e NIC runs tsvirt's own src/host code (bundled with Node
// into the initramfs by scripts/make-node-guest.sh sriov). The guest prints one JSON line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNodeGuest } from './node-guest.js';

const MARK = 'TSVIRT-SRIOV-RESULT ';

interface Result {
  devices: { address: string; class: number; className?: string; driver?: string; group?: number }[];
  ethernet: string[];
  pf?: string;
  aboveTotal: { error: string; message: string };
  created: { address: string; physfn: string; group: number; driver?: string }[];
  pfXml: string;
  detached: { original: string | null; driver: string; devVfio: boolean };
  reattached: { driver: string | null };
  removed: string[];
}

function runGuest(dir: string, t: { after(fn: () => void): void }): Promise<Result> {
  const nvm = join(dir, 'nvm.img');
  writeFileSync(nvm, Buffer.alloc(1 << 20));
  return runNodeGuest<Result>({
    name: 'sriov', mark: MARK, append: 'intel_iommu=on',
    qemuArgs: [
      '-machine', 'q35,kernel-irqchip=split', '-device', 'intel-iommu,intremap=on', '-nic', 'none',
      '-drive', `file=${nvm},if=none,id=nvm,format=raw`, '-device', 'nvme-subsys,id=subsys0',
      '-device', 'nvme,serial=deadbeef,subsys=subsys0,sriov_max_vfs=2,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=10,msix_qsize=8',
      '-netdev', 'user,id=n0,restrict=on', '-device', 'e1000e,netdev=n0,romfile=',
    ],
  }, t);
}

test('tsvirt host-device code on a real kernel: list, SR-IOV VFs, vfio-pci and back', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-sriov-vm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runGuest(dir, t);

  // the e1000e is listed as Ethernet with its full address (lspci -D | grep -i ethernet)
  assert.equal(r.ethernet.length, 1, JSON.stringify(r.devices));
  const nic = r.devices.find((d) => d.address === r.ethernet[0])!;
  assert.equal(nic.className, 'Ethernet controller');
  assert.match(nic.address, /^0000:00:0[0-9a-f]\.0$/);
  const pf = r.devices.find((d) => d.address === r.pf)!;
  assert.equal(pf.class, 0x010802);
  assert.equal(pf.driver, 'nvme');

  assert.equal(r.aboveTotal.error, 'invalid-arg');
  assert.match(r.aboveTotal.message, /supports at most 2 VFs/);

  assert.equal(r.created.length, 2);
  const groups = new Set([pf.group, ...r.created.map((v) => v.group)]);
  for (const vf of r.created) {
    assert.equal(vf.physfn, r.pf);
    assert.equal(typeof vf.group, 'number');
  }
  assert.equal(groups.size, 3, 'each VF in its own IOMMU group');
  assert.match(r.pfXml, /<capability type='virt_functions' maxCount='2'>/);

  assert.equal(r.detached.driver, 'vfio-pci', JSON.stringify(r.detached));
  assert.equal(r.detached.devVfio, true);
  assert.notEqual(r.reattached.driver, 'vfio-pci');
  assert.equal(r.reattached.driver, r.detached.original);
  assert.deepEqual(r.removed, []);

  // the node device XML written in the guest passes libvirt's schema
  if (spawnSync('virt-xml-validate', ['--help']).error === undefined) {
    const f = join(dir, 'pf.xml');
    writeFileSync(f, r.pfXml);
    const v = spawnSync('virt-xml-validate', [f, 'nodedev'], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr + v.stdout + r.pfXml);
  }
});
