import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Domain } from '../conf/domain-types.js';
import { cdromBus, freeCdromTarget } from './cloud-init.js';

const withDisks = (...devs: string[]) => ({ name: 'd', devices: { disks: devs.map((dev) => ({ target: { dev } })) } }) as unknown as Domain;

test('the seed CD-ROM goes on sata for q35, ide for pc; other machines are refused', () => {
  assert.equal(cdromBus('pc-q35-7.2'), 'sata');
  assert.equal(cdromBus('q35'), 'sata');
  assert.equal(cdromBus('pc-i440fx-7.2'), 'ide');
  assert.equal(cdromBus('pc'), 'ide');
  assert.throws(() => cdromBus('microvm'), /machine type 'microvm': only q35 \(sata\) and pc \(ide\)/);
});

test('the first free target of the bus is taken; a full bus is a clear error', () => {
  assert.equal(freeCdromTarget(withDisks('vda'), 'ide'), 'hda');
  assert.equal(freeCdromTarget(withDisks('vda', 'hda', 'hdb'), 'ide'), 'hdc');
  assert.equal(freeCdromTarget(withDisks('sda'), 'sata'), 'sdb');
  assert.throws(() => freeCdromTarget(withDisks('hda', 'hdb', 'hdc', 'hdd'), 'ide'), /domain 'd' has no free ide target left/);
});
