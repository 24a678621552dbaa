import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyGraphicsPasswords } from './graphics-passwords.js';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';

test('VNC and SPICE passwords go over QMP, with the expiry time and SPICE connected= policy', async () => {
  const dom = parseAndPrepareDomain(`<domain type='qemu'><name>p</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os><devices>
    <graphics type='vnc' passwd='v1' connected='keep'/>
    <graphics type='spice' autoport='yes' passwd='s1' passwdValidTo='2031-01-01T00:00:00' connected='disconnect'/>
    <graphics type='spice' autoport='yes'/></devices></domain>`.replace("<graphics type='spice' autoport='yes'/>", ''));
  const calls: Array<[string, unknown]> = [];
  await applyGraphicsPasswords({ execute: async (cmd: string, args?: unknown) => { calls.push([cmd, args]); return {} as never; } } as never, dom);
  assert.deepEqual(calls, [
    ['set_password', { protocol: 'vnc', password: 'v1' }],
    ['expire_password', { protocol: 'vnc', time: 'never' }],
    ['set_password', { protocol: 'spice', password: 's1', connected: 'disconnect' }],
    ['expire_password', { protocol: 'spice', time: String(Date.UTC(2031, 0, 1) / 1000) }],
  ]);
});
