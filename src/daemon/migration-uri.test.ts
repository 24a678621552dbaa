import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { freeMigrationPort, parseMigrateUri, qemuTcpUri, PORT_MIN } from './migration-uri.js';

test('migration URIs as virsh users write them', () => {
  assert.deepEqual(parseMigrateUri('tcp://10.0.0.2'), { host: '10.0.0.2', port: undefined });
  assert.deepEqual(parseMigrateUri('tcp://10.0.0.2:49200'), { host: '10.0.0.2', port: 49200 });
  assert.deepEqual(parseMigrateUri('tcp:10.0.0.2:49153'), { host: '10.0.0.2', port: 49153 });
  assert.deepEqual(parseMigrateUri('tcp://[fd00::2]:5000/'), { host: 'fd00::2', port: 5000 });
  assert.throws(() => parseMigrateUri('rdma://h:1'), /unsupported scheme rdma in migration URI/);
  assert.throws(() => parseMigrateUri('tcp://h:70000'), /invalid port/);
  assert.throws(() => parseMigrateUri('nonsense'), /unable to parse URI nonsense/);
  assert.equal(qemuTcpUri('fd00::2', 5000), 'tcp:[fd00::2]:5000');
  assert.equal(qemuTcpUri('h', 1), 'tcp:h:1');
});

test('the free port skips ports in use and ports already handed out', async () => {
  const first = await freeMigrationPort('127.0.0.1', new Set());
  assert.ok(first >= PORT_MIN);
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(first, '127.0.0.1', () => r()));
  try {
    const next = await freeMigrationPort('127.0.0.1', new Set());
    assert.notEqual(next, first);
    assert.notEqual(await freeMigrationPort('127.0.0.1', new Set([next])), next);
  } finally {
    s.close();
  }
});
