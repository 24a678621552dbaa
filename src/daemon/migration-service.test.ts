import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Domain, Hostdev } from '../conf/domain-types.js';
import { checkMigratable, decodeCookie, encodeCookie } from './migration-service.js';

const withHostdevs = (hostdevs: Partial<Hostdev>[]) => ({ devices: { hostdevs } }) as unknown as Domain;

test('a domain with a host PCI device is refused with libvirt\'s words', () => {
  assert.throws(() => checkMigratable(withHostdevs([{ mode: 'subsystem', type: 'pci' }])),
    (e: Error & { code?: string }) => e.code === 'operation-unsupported' && e.message === "cannot migrate a domain with <hostdev mode='subsystem' type='pci'>");
  assert.throws(() => checkMigratable(withHostdevs([{ mode: 'subsystem', type: 'mdev' }])), /type='mdev'/);
  assert.doesNotThrow(() => checkMigratable(withHostdevs([{ mode: 'subsystem', type: 'usb' }])));
  // taken from the host but not given to the guest: nothing to carry along
  assert.doesNotThrow(() => checkMigratable(withHostdevs([{ mode: 'subsystem', type: 'pci', unassigned: true }])));
  assert.doesNotThrow(() => checkMigratable(withHostdevs([])));
});

test('the cookie goes there and back; garbage is refused', () => {
  const c = { host: 'h1', name: 'vm', uuid: '5a1e0f3c-9d4b-4c1e-8f7a-2b6d3c4e5f60' };
  assert.deepEqual(decodeCookie(encodeCookie(c)), c);
  assert.deepEqual(decodeCookie(Buffer.alloc(0)), {});
  assert.throws(() => decodeCookie(Buffer.from('{nope')), /invalid migration cookie/);
});
