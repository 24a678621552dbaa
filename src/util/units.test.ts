import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSizeKiB, unitScale, parseScaledBytes, formatKiB } from './units.js';
import { isTsvirtError } from './errors.js';

test('every libvirt unit scales as virScaleInteger', () => {
  const cases: Array<[string, bigint]> = [
    ['b', 1n], ['bytes', 1n], ['byte', 1n],
    ['k', 1024n], ['KiB', 1024n], ['KB', 1000n],
    ['M', 1024n ** 2n], ['MiB', 1024n ** 2n], ['MB', 1000n ** 2n],
    ['G', 1024n ** 3n], ['GiB', 1024n ** 3n], ['GB', 1000n ** 3n],
    ['T', 1024n ** 4n], ['TiB', 1024n ** 4n], ['TB', 1000n ** 4n],
    ['P', 1024n ** 5n], ['PiB', 1024n ** 5n], ['PB', 1000n ** 5n],
    ['E', 1024n ** 6n], ['EiB', 1024n ** 6n], ['EB', 1000n ** 6n],
  ];
  for (const [u, scale] of cases) assert.equal(unitScale(u), scale, u);
  assert.equal(unitScale('kib'), 1024n, 'case-insensitive');
  assert.equal(unitScale('X'), undefined);
  assert.equal(unitScale('KX'), undefined);
});

test('sizes become KiB rounded up', () => {
  assert.equal(parseSizeKiB('512', 'MiB', 'm'), 524288);
  assert.equal(parseSizeKiB('1', 'GB', 'm'), 976563); // 1e9 / 1024 = 976562.5 -> up
  assert.equal(parseSizeKiB('1', 'b', 'm'), 1);
  assert.equal(parseSizeKiB('1024', undefined, 'm'), 1024, 'KiB is the default');
  assert.equal(parseSizeKiB('1', 'KB', 'm'), 1);
  assert.equal(parseSizeKiB('2', 'k', 'm'), 2);
  assert.equal(parseSizeKiB('1', 'TiB', 'm'), 1024 ** 3);
  assert.equal(parseSizeKiB('1', 'EiB', 'm'), 1024 ** 5);
  assert.equal(parseScaledBytes('3', 'PB', 'm'), 3n * 1000n ** 5n);
});

test('bad sizes are xml errors', () => {
  for (const [v, u] of [['-1', 'KiB'], ['1.5', 'GiB'], ['abc', 'KiB'], ['1', 'parsecs'], ['20', 'EiB']] as const) {
    assert.throws(() => parseSizeKiB(v, u, '<memory>'), (e) => isTsvirtError(e) && e.code === 'xml-error' && /<memory>/.test(e.message), `${v} ${u}`);
  }
  assert.equal(formatKiB(1536 * 1024), '1.50 GiB');
});
