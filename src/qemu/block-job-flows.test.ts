// The pure parts of block-job-flows.ts: the live <backingStore> chain and node pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backingStoreOf, nodePair } from './block-job-flows.js';

test('backingStoreOf: the images below the top, base last, ending with the empty terminator', () => {
  assert.deepEqual(backingStoreOf([{ path: '/a.qcow2', format: 'qcow2' }]), {});
  assert.deepEqual(backingStoreOf([{ path: '/top', format: 'qcow2' }, { path: '/mid', format: 'qcow2' }, { path: '/base', format: 'raw' }]), {
    type: 'file', format: 'qcow2', source: { file: '/mid' }, index: 1,
    backingStore: { type: 'file', format: 'raw', source: { file: '/base' }, index: 2, backingStore: {} },
  });
});

test('nodePair: a libvirt format node goes with its storage node; other names alone', () => {
  assert.deepEqual(nodePair('libvirt-3-format'), ['libvirt-3-format', 'libvirt-3-storage']);
  assert.deepEqual(nodePair('libvirt-1-b2-format'), ['libvirt-1-b2-format', 'libvirt-1-b2-storage']);
  assert.deepEqual(nodePair('#block123'), ['#block123']);
});
