import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateUuid, isUuid, parseUuid } from './uuid.js';

test('uuids with or without dashes are normalised to lower case', () => {
  assert.equal(parseUuid('C7A5FDBD-EDAF-9455-926A-D65C16DB1809'), 'c7a5fdbd-edaf-9455-926a-d65c16db1809');
  assert.equal(parseUuid('c7a5fdbdedaf9455926ad65c16db1809'), 'c7a5fdbd-edaf-9455-926a-d65c16db1809');
  assert.equal(parseUuid('c7a5fdbd-edaf-9455-926a-d65c16db180'), undefined);
  assert.equal(parseUuid('g7a5fdbd-edaf-9455-926a-d65c16db1809'), undefined);
  assert.equal(parseUuid('-c7a5fdbdedaf9455926ad65c16db1809'), undefined);
  const u = generateUuid();
  assert.ok(isUuid(u));
  assert.notEqual(u, generateUuid());
});
