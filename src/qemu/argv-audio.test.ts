// argv of audio backends, sound cards and the graphics types that are not golden cases (they
// cannot run here, or need two displays): what tsvirt writes, and how starting them fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildQemuArgv } from './argv.js';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { TsvirtError } from '../util/errors.js';
import { BASE_CTX, goldenCaps } from '../../test/golden/golden.js';

const DIR = fileURLToPath(new URL('../../test/golden/define-only/', import.meta.url));
const wrap = (devices: string) => `<domain type='qemu'><name>t</name><memory>65536</memory><os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices>${devices}</devices></domain>`;
const argv = (xml: string, ctx = {}) => buildQemuArgv(parseAndPrepareDomain(xml), goldenCaps, { ...BASE_CTX, ...ctx });
const values = (args: string[], opt: string) => args.filter((_, i) => args[i - 1] === opt);

function refused(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TsvirtError, `not a TsvirtError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

test('every backend but coreaudio becomes an -audiodev with its input/output properties', () => {
  const xml = readFileSync(`${DIR}audio-backends.xml`, 'utf8').replace(/<audio id='7' type='coreaudio'>[\s\S]*?<\/audio>/, '').replace(" driver='pulseaudio'", '');
  assert.deepEqual(values(argv(xml), '-audiodev'), [
    '{"id":"audio1","driver":"none"}',
    '{"id":"audio2","driver":"alsa","in":{"dev":"hw:0,0"},"out":{"mixing-engine":true,"dev":"hw:0,1"}}',
    '{"id":"audio3","driver":"oss","try-mmap":true,"exclusive":false,"dsp-policy":4,"in":{"dev":"/dev/dsp0","buffer-count":4,"try-poll":true},"out":{"dev":"/dev/dsp1"}}',
    '{"id":"audio4","driver":"pa","server":"unix:/run/pulse/native","in":{"name":"mic","stream-name":"guest-in","latency":20000},"out":{"name":"speakers","stream-name":"guest-out"}}',
    '{"id":"audio5","driver":"jack","in":{"server-name":"js","client-name":"guest","connect-ports":"system:capture_[12]","exact-name":true},"out":{"client-name":"guest"}}',
    '{"id":"audio6","driver":"sdl","in":{"buffer-count":3},"out":{"buffer-count":5}}',
  ]);
});

test('a backend this QEMU build lacks, or an SDL driver (an environment variable in libvirt), is refused at start', () => {
  refused(() => argv(wrap("<audio id='1' type='coreaudio'/>")), 'config-unsupported', /audio type 'coreaudio' is not available in this QEMU build/);
  refused(() => argv(wrap("<audio id='1' type='sdl' driver='alsa'/>")), 'config-unsupported', /SDL audio driver \('alsa'\) is not supported/);
});

test('SDL, egl-headless and D-Bus displays are defined but cannot start here', () => {
  for (const [name, pattern] of [['graphics-sdl', /SDL graphics need an X display/], ['graphics-egl-headless', /egl-headless graphics need a DRM render node/], ['graphics-dbus', /D-Bus graphics need a D-Bus daemon/]] as const) {
    refused(() => argv(readFileSync(`${DIR}${name}.xml`, 'utf8')), 'config-unsupported', pattern);
  }
  refused(() => argv(readFileSync(`${DIR}spice-gl.xml`, 'utf8')), 'config-unsupported', /SPICE OpenGL needs a DRM render node/);
});

test('VNC and SPICE together: each gets its own autoport port, VNC plays into the spice backend', () => {
  const args = argv(readFileSync(`${DIR}spice-vnc-both.xml`, 'utf8'), { vncPorts: [4, 5] });
  assert.deepEqual(values(args, '-audiodev'), ['{"id":"audio1","driver":"spice"}']);
  assert.deepEqual(values(args, '-vnc'), ['127.0.0.1:4,audiodev=audio1']);
  assert.deepEqual(values(args, '-spice'), ['port=5905,addr=127.0.0.1,disable-ticketing=on,seamless-migration=on']);
  refused(() => argv(readFileSync(`${DIR}spice-vnc-both.xml`, 'utf8'), { vncPorts: [4] }), 'internal-error', /graphics 1 has autoport .*vncPorts\[1\]/);
});

test('a SPICE password keeps ticketing on (the password is set over QMP); TLS-only channels are refused', () => {
  const spice = values(argv(wrap("<graphics type='spice' port='5901' passwd='pw'/>")), '-spice');
  assert.deepEqual(spice, ['port=5901,addr=127.0.0.1,seamless-migration=on']);
  refused(() => argv(wrap("<graphics type='spice' autoport='yes'><channel name='main' mode='secure'/></graphics>")), 'config-unsupported', /TLS connection is not available/);
});

test('sound cards use the audio backend they name, or the first one', () => {
  const args = argv(wrap("<sound model='es1370'><audio id='2'/></sound><sound model='ich6'/><audio id='1' type='none'/><audio id='2' type='file' path='/tmp/a.wav'/>"));
  const devices = values(args, '-device').map((d) => JSON.parse(d) as Record<string, unknown>);
  assert.equal(devices.find((d) => d.driver === 'ES1370')?.audiodev, 'audio2');
  assert.deepEqual(devices.find((d) => d.driver === 'hda-duplex'), { driver: 'hda-duplex', id: 'sound1-codec0', bus: 'sound1.0', cad: 0, audiodev: 'audio1' });
});
