import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Domain } from '../conf/domain-types.js';
import { DomainRegistry, type DomainEntry } from './domain-registry.js';

const entry = (name: string, uuid: string): DomainEntry =>
  ({ config: { name, uuid } as Domain, persistent: false, autostart: false, id: null, state: 'shutoff', reason: 'unknown' });

test('removing an entry leaves the one that took its name and UUID since (a late cleanup of a transient run)', () => {
  const reg = new DomainRegistry();
  const old = entry('mig', '5a1e0f3c-9d4b-4c1e-8f7a-2b6d3c4e5f60');
  reg.add(old);
  reg.setId(old, 1);
  // the old run's cleanup is slow; an incoming migration of the same domain registers anew
  reg.remove(old);
  const incoming = entry('mig', old.config.uuid);
  reg.add(incoming);
  reg.setId(incoming, 2);
  reg.remove(old); // the old cleanup's removal, late
  assert.equal(reg.lookup('mig'), incoming);
  assert.equal(reg.lookup(old.config.uuid), incoming);
  reg.remove(incoming);
  assert.throws(() => reg.lookup('mig'), /no domain with matching name, id or uuid 'mig'/);
});
