// The RPC client against the real RPC listener in this process (the real implementations,
// over handlers that know one domain), on a unix socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventBus } from '../event-bus.js';
import { listenLibvirt } from './rpc-server.js';
import { remoteImpls } from './impls.js';
import { RpcClient } from './rpc-client.js';
import { uuidString } from './rpc-ids.js';
import { TsvirtError } from '../../util/errors.js';
import type { Handlers } from '../dispatch.js';

const UUID = '0badc0de-0000-4000-8000-000000000001';
const handlers = {
  'domain.lookup': async ({ domain }: { domain: string }) => {
    if (domain === 'web' || domain === UUID) return { name: 'web', uuid: UUID, id: 7, state: 'running' };
    throw new TsvirtError('no-domain', `no domain with matching name '${domain}'`);
  },
} as unknown as Handlers;

test('connects, looks up, gets a libvirt error back as TsvirtError, refuses calls after close', async () => {
  const sock = path.join(os.tmpdir(), `tsvirt-rpc-client-${process.pid}.sock`);
  const server = await listenLibvirt(sock, false, { handlers, events: new EventBus(), impls: remoteImpls, extras: {} });
  try {
    const c = await RpcClient.connect(`qemu+unix:///system?socket=${sock}`);
    assert.equal([...server.connections][0]?.uri, 'qemu:///system');
    const { uri } = await c.call('CONNECT_GET_URI', undefined);
    assert.equal(uri, 'qemu:///system');
    // calls run at once and each reply finds its call
    const [a, b] = await Promise.all([c.call('DOMAIN_LOOKUP_BY_NAME', { name: 'web' }), c.call('CONNECT_GET_TYPE', undefined)]);
    assert.deepEqual({ name: a.dom.name, id: a.dom.id, uuid: uuidString(a.dom.uuid) }, { name: 'web', id: 7, uuid: UUID });
    assert.equal(b.type, 'QEMU');
    await assert.rejects(c.call('DOMAIN_LOOKUP_BY_NAME', { name: 'nope' }), (e: unknown) => {
      assert.ok(e instanceof TsvirtError);
      assert.equal(e.code, 'no-domain');
      assert.equal(e.message, "Domain not found: no domain with matching name 'nope'");
      return true;
    });
    await c.close();
    assert.equal(c.isClosed, true);
    await assert.rejects(c.call('CONNECT_GET_TYPE', undefined), /client socket is closed/);
    // the server saw the connection go
    for (let i = 0; i < 50 && server.connections.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.connections.size, 0);
  } finally {
    await server.close();
  }
});

test('a socket nobody listens on is a clear error', async () => {
  const sock = path.join(os.tmpdir(), `tsvirt-rpc-client-none-${process.pid}.sock`);
  await assert.rejects(RpcClient.connect(`qemu+unix:///system?socket=${sock}`), (e: unknown) => {
    assert.ok(e instanceof TsvirtError);
    assert.match(e.message, new RegExp(`unable to connect to server at '${sock}'`));
    return true;
  });
});
