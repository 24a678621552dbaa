import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseArpTable, readArpTable } from './arp-table.js';

test('the neighbour table: resolved entries only, MACs in lower case', () => {
  const text = [
    'IP address       HW type     Flags       HW address            Mask     Device',
    '10.77.1.120      0x1         0x2         52:54:00:AB:CD:01     *        tsvbr1',
    '10.77.1.121      0x1         0x0         00:00:00:00:00:00     *        tsvbr1',
    '192.168.1.1      0x1         0x6         aa:bb:cc:dd:ee:ff     *        eth0',
    '',
  ].join('\n');
  assert.deepEqual(parseArpTable(text), [
    { ip: '10.77.1.120', mac: '52:54:00:ab:cd:01', dev: 'tsvbr1' },
    { ip: '192.168.1.1', mac: 'aa:bb:cc:dd:ee:ff', dev: 'eth0' },
  ]);
});

test("the kernel's own table parses (every entry has an IPv4 address and a MAC)", async () => {
  for (const e of await readArpTable()) {
    assert.match(e.ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(e.mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  }
});
