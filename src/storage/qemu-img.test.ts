import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImageInfo, parseProgress } from './qemu-img.js';
import { parseLvmReport } from './logical-pool.js';

test('qemu-img info JSON is parsed, backing chain included', () => {
  const info = parseImageInfo(JSON.stringify({
    'virtual-size': 67108864, filename: '/p/top.qcow2', 'cluster-size': 65536, format: 'qcow2', 'actual-size': 200704,
    'backing-filename': 'base.qcow2', 'full-backing-filename': '/p/base.qcow2', 'backing-filename-format': 'qcow2', 'dirty-flag': false,
  }));
  assert.deepEqual(info, { format: 'qcow2', virtualSize: 67108864, actualSize: 200704, backingFile: '/p/base.qcow2', backingFormat: 'qcow2' });
  assert.deepEqual(parseImageInfo('{"virtual-size": 10, "format": "raw"}'), { format: 'raw', virtualSize: 10, actualSize: 0 });
  assert.throws(() => parseImageInfo('not json'), /malformed JSON/);
  assert.throws(() => parseImageInfo('{"format": "raw"}'), /lacks 'virtual-size'/);
});

test('qemu-img -p progress and lvm2 JSON reports', () => {
  assert.equal(parseProgress('    (0.00/100%)\r    (45.50/100%)\r'), 0.455);
  assert.equal(parseProgress('nothing'), undefined);
  const vgs = '{"report": [{"vg": [{"vg_size":"104857600", "vg_free":"96468992"}]}]}';
  assert.deepEqual(parseLvmReport(vgs, 'vg'), [{ vg_size: '104857600', vg_free: '96468992' }]);
  assert.throws(() => parseLvmReport('garbage', 'lv'), /malformed lvm2 lv report/);
});
