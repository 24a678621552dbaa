import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRemoteUri, parseLibvirtUri } from './uri.js';

test('parseLibvirtUri takes remote URIs apart as libvirt does', () => {
  const tcp = parseLibvirtUri('qemu+tcp://10.0.0.2/system');
  assert.deepEqual([tcp.transport, tcp.host, tcp.port, tcp.path, tcp.name], ['tcp', '10.0.0.2', undefined, 'system', 'qemu:///system']);
  const tls = parseLibvirtUri('qemu+tls://host.example:16600/system?pkipath=/etc/x&no_verify=1');
  assert.deepEqual([tls.transport, tls.host, tls.port, tls.params.get('pkipath'), tls.name], ['tls', 'host.example', 16600, '/etc/x', 'qemu:///system']);
  // no transport with a host is TLS, as in libvirt
  assert.equal(parseLibvirtUri('qemu://h/system').transport, 'tls');
  const v6 = parseLibvirtUri('qemu+tcp://[fd00::2]:1234/session');
  assert.deepEqual([v6.host, v6.port, v6.name], ['fd00::2', 1234, 'qemu:///session']);
  const unix = parseLibvirtUri('qemu+unix:///system?socket=/tmp/s.sock');
  assert.deepEqual([unix.transport, unix.host, unix.params.get('socket'), unix.name], ['unix', '', '/tmp/s.sock', 'qemu:///system']);
  assert.equal(parseLibvirtUri('qemu:///system').transport, 'unix');
  const ssh = parseLibvirtUri('qemu+ssh://root@h/system?keyfile=/k');
  assert.deepEqual([ssh.transport, ssh.user, ssh.name], ['ssh', 'root', 'qemu:///system']);
  // parameters for the server stay in the name
  assert.equal(parseLibvirtUri('qemu+tcp://h/system?socket=/x&foo=bar').name, 'qemu:///system?foo=bar');
});

test('parseLibvirtUri refuses what libvirt refuses', () => {
  assert.throws(() => parseLibvirtUri('qemu+carrier://h/system'), /transport in URL not recognised/);
  assert.throws(() => parseLibvirtUri('qemu+tcp:///system'), /needs a host name/);
  assert.throws(() => parseLibvirtUri('qemu+tcp://h:99999/system'), /invalid port/);
  assert.throws(() => parseLibvirtUri('not a uri'), /unable to parse connection URI/);
});

test('isRemoteUri', () => {
  assert.equal(isRemoteUri('qemu+tcp://10.0.0.2/system'), true);
  assert.equal(isRemoteUri('qemu+tls://h/system'), true);
  assert.equal(isRemoteUri('qemu:///system'), false);
  assert.equal(isRemoteUri('qemu+unix:///system?socket=/x'), false);
  assert.equal(isRemoteUri('garbage'), false);
});
