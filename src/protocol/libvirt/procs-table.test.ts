import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { remoteProcs } from './procs-table.js';
import { REMOTE_PROC_NAMES } from './proc-names.js';

test('every declared procedure has the number libvirt 9.0 gives that name', () => {
  const wrong = Object.entries(remoteProcs)
    .filter(([name, p]) => REMOTE_PROC_NAMES[p.num] !== name)
    .map(([name, p]) => `${name} is ${REMOTE_PROC_NAMES.indexOf(name)}, declared ${p.num}`);
  assert.deepEqual(wrong, []);
  assert.equal(REMOTE_PROC_NAMES.length, 444);
});

test('no procedure is declared by two families (a spread would let the later one win silently)', async () => {
  const { readdirSync } = await import('node:fs');
  const dir = new URL('.', import.meta.url).pathname;
  const seen = new Map<string, string>();
  const twice: string[] = [];
  for (const f of readdirSync(dir).filter((n) => /^procs-.*\.ts$/.test(n) && !n.endsWith('.test.ts') && n !== 'procs-table.ts')) {
    const mod = (await import(`./${f.replace(/\.ts$/, '.js')}`)) as Record<string, Record<string, unknown>>;
    for (const [exported, family] of Object.entries(mod)) {
      if (!exported.endsWith('Procs')) continue;
      for (const name of Object.keys(family)) {
        if (seen.has(name)) twice.push(`${name} in ${seen.get(name)} and ${f}`);
        seen.set(name, f);
      }
    }
  }
  assert.deepEqual(twice, []);
  assert.equal(seen.size, Object.keys(remoteProcs).length);
});
