import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { remoteImpls } from './impls.js';
import { remoteProcs } from '../../protocol/libvirt/procs-table.js';
import { qemuProcTable } from '../../protocol/libvirt/procs-qemu.js';

test('no procedure is implemented by two families, and every implementation has a declaration', async () => {
  const dir = new URL('.', import.meta.url).pathname;
  const seen = new Map<string, string>();
  const twice: string[] = [];
  for (const f of readdirSync(dir).filter((n) => /^impl-.*\.ts$/.test(n) && !n.endsWith('.test.ts'))) {
    const mod = (await import(`./${f.replace(/\.ts$/, '.js')}`)) as Record<string, unknown>;
    for (const [exported, family] of Object.entries(mod)) {
      if (!exported.endsWith('Impls') || typeof family !== 'object' || !family) continue;
      for (const name of Object.keys(family)) {
        if (seen.has(name)) twice.push(`${name} in ${seen.get(name)} and ${f}`);
        seen.set(name, f);
      }
    }
  }
  assert.deepEqual(twice, []);
  assert.equal(seen.size, Object.keys(remoteImpls).length);
  // the QEMU program's are keyed QEMU_<name> (procs-qemu.ts)
  const undeclared = Object.keys(remoteImpls).filter((n) => !(n in remoteProcs) && !(n in qemuProcTable));
  assert.deepEqual(undeclared, []);
});
