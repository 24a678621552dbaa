import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { DomainInfo } from '../protocol/types.js';
import { formatDominfo, formatLifecycleEvent, reasonText } from './format.js';

const hasVirsh = !spawnSync('virsh', ['--version']).error;

test('dominfo lines match virsh for the same data', { skip: !hasVirsh && 'virsh not installed' }, () => {
  const r = spawnSync('virsh', ['-c', 'test:///default', 'dominfo', 'test'], { encoding: 'utf8' });
  const theirs = r.stdout.split('\n');
  const info: DomainInfo = {
    id: 1, name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', state: 'running', reason: 'booted',
    persistent: true, autostart: false, osType: 'linux', vcpus: 2,
    cpuTimeNs: Number(/CPU time:\s+([\d.]+)s/.exec(r.stdout)![1]) * 1e9,
    maxMemoryKiB: 8388608, usedMemoryKiB: 2097152,
  };
  const mine = formatDominfo(info).split('\n').filter(Boolean);
  // virsh's test driver adds Security lines (tsvirt has no security driver): compare the rest
  assert.deepEqual(mine, theirs.slice(0, mine.length));
  assert.match(theirs[mine.length]!, /^Security model:/);
});

test('dominfo of an inactive domain: Id -, no CPU time line', () => {
  const text = formatDominfo({
    id: null, name: 'd', uuid: 'u', state: 'shutoff', reason: 'unknown', persistent: true, autostart: true,
    osType: 'hvm', vcpus: 1, cpuTimeNs: 0, maxMemoryKiB: 65536, usedMemoryKiB: 65536,
  });
  assert.equal(text, [
    'Id:             -', 'Name:           d', 'UUID:           u', 'OS Type:        hvm', 'State:          shut off',
    'CPU(s):         1', 'Max memory:     65536 KiB', 'Used memory:    65536 KiB', 'Persistent:     yes',
    'Autostart:      enable', 'Managed save:   no', '',
  ].join('\n'));
});

test('state reasons use virsh words', () => {
  assert.equal(reasonText('running', 'booted'), 'booted');
  assert.equal(reasonText('paused', 'ioerror'), 'I/O error');
  assert.equal(reasonText('shutoff', 'from-snapshot'), 'from snapshot');
  assert.equal(reasonText('running', 'migration_canceled'), 'migration canceled');
  assert.equal(reasonText('shutoff', 'something-new'), 'something new');
});

test('lifecycle event lines use virsh detail words', () => {
  const ev = (event: any, detail: string) => formatLifecycleEvent({
    type: 'lifecycle', domain: { name: 'x', uuid: 'u', id: 1 }, event, detail, time: 0,
  });
  assert.equal(ev('started', 'booted'), "event 'lifecycle' for domain 'x': Started Booted\n");
  assert.equal(ev('stopped', 'destroyed'), "event 'lifecycle' for domain 'x': Stopped Destroyed\n");
  assert.equal(ev('shutdown', 'guest'), "event 'lifecycle' for domain 'x': Shutdown Finished after guest request\n");
  assert.equal(ev('suspended', 'ioerror'), "event 'lifecycle' for domain 'x': Suspended I/O Error\n");
  assert.equal(ev('defined', 'added'), "event 'lifecycle' for domain 'x': Defined Added\n");
  assert.equal(ev('undefined', 'nonsense'), "event 'lifecycle' for domain 'x': Undefined unknown\n");
});
