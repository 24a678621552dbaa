import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guestInfoParamText, guestInfoParams } from './guest-info-params.js';

test("guest info as libvirt's typed parameters: names, order, types; absent parts and fields left out", () => {
  const params = guestInfoParams({
    users: [{ name: 'root', loginTimeMs: 1700000000500 }],
    os: { id: 'debian', versionId: '12' },
    timezone: { name: 'UTC', offset: 0 },
    hostname: 'deb',
    filesystems: [{ mountpoint: '/', name: 'vda1', fstype: 'ext4', totalBytes: 100, usedBytes: 10, disks: [{ alias: 'vda', device: '/dev/vda1' }] }],
    disks: [{ name: '/dev/vda1', partition: true, dependencies: ['/dev/vda'], alias: 'vda' }],
    interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', addrs: [{ type: 'ipv4', ip: '127.0.0.1', prefix: 8 }] }],
  });
  assert.deepEqual(params.map((p) => `${p.field}:${p.type}=${guestInfoParamText(p)}`), [
    'user.count:uint=1', 'user.0.name:string=root', 'user.0.login-time:ullong=1700000000500',
    'os.id:string=debian', 'os.version-id:string=12',
    'timezone.name:string=UTC', 'timezone.offset:int=0',
    'hostname:string=deb',
    'fs.count:uint=1', 'fs.0.mountpoint:string=/', 'fs.0.name:string=vda1', 'fs.0.fstype:string=ext4',
    'fs.0.total-bytes:ullong=100', 'fs.0.used-bytes:ullong=10', 'fs.0.disk.count:uint=1', 'fs.0.disk.0.alias:string=vda', 'fs.0.disk.0.device:string=/dev/vda1',
    'disk.count:uint=1', 'disk.0.name:string=/dev/vda1', 'disk.0.partition:boolean=yes', 'disk.0.dependency.count:uint=1',
    'disk.0.dependency.0.name:string=/dev/vda', 'disk.0.alias:string=vda',
    'if.count:uint=1', 'if.0.name:string=lo', 'if.0.hwaddr:string=00:00:00:00:00:00', 'if.0.addr.count:uint=1',
    'if.0.addr.0.type:string=ipv4', 'if.0.addr.0.addr:string=127.0.0.1', 'if.0.addr.0.prefix:uint=8',
  ]);
  assert.deepEqual(guestInfoParams({ hostname: 'x' }).map((p) => p.field), ['hostname']);
});
