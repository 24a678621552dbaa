import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as z from './schema.js';

const issues = (s: z.ZodType, v: unknown) => {
  const r = s.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '-'}: ${i.message}`);
};

test('objects check every key, name the path of each problem and drop keys they do not know', () => {
  const S = z.object({
    domain: z.string().min(1),
    flags: z.number().int().nonnegative().optional(),
    id: z.number().int().nullable(),
    mode: z.enum(['acpi', 'agent']).optional(),
    keys: z.array(z.string().regex(/^[a-z]+$/, 'a qcode')).min(1).max(2).optional(),
    type: z.literal('lifecycle'),
  });
  const ok = S.safeParse({ domain: 'a', id: null, type: 'lifecycle', extra: 1 });
  assert.deepEqual(ok, { success: true, data: { domain: 'a', id: null, type: 'lifecycle' } });
  assert.deepEqual(issues(S, { domain: '', flags: 1.5, id: 'x', mode: 'signal', keys: ['ok', 'NO'], type: 'x' }), [
    'domain: too short: expected at least 1 characters',
    'flags: expected integer, received number with a fraction',
    'id: expected number, received string',
    'mode: expected one of "acpi"|"agent"',
    'keys.1: a qcode',
    'type: expected "lifecycle"',
  ]);
  assert.deepEqual(issues(S, { id: 1, type: 'lifecycle', flags: -1, keys: [] }), [
    'domain: expected string, received undefined',
    'flags: too small: expected >= 0',
    'keys: too small: expected at least 1 items',
  ]);
  assert.deepEqual(issues(S, null), ['-: expected object, received null']);
  assert.deepEqual(issues(z.object({ n: z.number().max(3) }), { n: Infinity }), ['n: expected number, received number']);
  assert.deepEqual(issues(z.boolean(), 'yes'), ['-: expected boolean, received string']);
});

test('extend and merge make new schemas; describe does not change the original', () => {
  const Base = z.object({ pool: z.string() });
  const Vol = Base.extend({ vol: z.string(), pool: z.number() });
  const Both = Base.merge(z.object({ xml: z.string() }));
  assert.deepEqual(Object.keys(Vol.shape), ['pool', 'vol']);
  assert.equal(Vol.safeParse({ pool: 1, vol: 'v' }).success, true);
  assert.equal(Base.safeParse({ pool: 1 }).success, false);
  assert.deepEqual(Both.safeParse({ pool: 'p', xml: '<v/>' }), { success: true, data: { pool: 'p', xml: '<v/>' } });
  const s = z.string();
  const d = s.describe('a name');
  assert.equal(s.description, undefined);
  assert.equal(d.description, 'a name');
});

test('JSON Schema: types, limits, required keys, nullable, descriptions', () => {
  const S = z.object({
    a: z.string().min(1).describe('the a'),
    b: z.number().int().min(0).max(9).optional(),
    c: z.array(z.boolean()).max(2),
    d: z.enum(['x', 'y']).nullable(),
  });
  assert.deepEqual(z.toJSONSchema(S), {
    type: 'object',
    properties: {
      a: { type: 'string', minLength: 1, description: 'the a' },
      b: { type: 'integer', minimum: 0, maximum: 9 },
      c: { type: 'array', items: { type: 'boolean' }, maxItems: 2 },
      d: { anyOf: [{ type: 'string', enum: ['x', 'y'] }, { type: 'null' }] },
    },
    required: ['a', 'c', 'd'],
  });
  assert.deepEqual(z.toJSONSchema(z.object({})), { type: 'object', properties: {} });
});

test('record: any keys, every value checked, JSON Schema with additionalProperties', () => {
  const s = z.record(z.union([z.number(), z.string()]));
  assert.deepEqual(s.safeParse({ 'cpu.time': 5, 'block.0.name': 'vda' }), { success: true, data: { 'cpu.time': 5, 'block.0.name': 'vda' } });
  const bad = s.safeParse({ a: 1, b: true });
  assert.equal(bad.success, false);
  assert.deepEqual(!bad.success && bad.error.issues.map((i) => i.path), [['b']]);
  assert.equal(s.safeParse([1]).success, false);
  assert.deepEqual(z.record(z.number()).json(), { type: 'object', additionalProperties: { type: 'number' } });
});
