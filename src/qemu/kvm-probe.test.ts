// The KVM probe: its guest really runs to the end under TCG (so a failure under KVM
// means KVM is broken), and probeKvm gives a clear reason here, within its timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import {
  probeKvm, runProbeGuest, PROBE_BOOT_SECTOR_B64, PROBE_EXIT_OK, KVM_PROBE_TIMEOUT_MS,
} from './kvm-probe.js';
import { QEMU } from './qemu-test-support.js';

const here = dirname(fileURLToPath(import.meta.url));

/** pids of processes whose command line mentions the probe's temp folders */
function probeProcesses(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'latin1').includes('tsvirt-kvm-probe-')) out.push(Number(d));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

test('the embedded boot sector is what build.sh assembles from probe.S', (t) => {
  const bytes = Buffer.from(PROBE_BOOT_SECTOR_B64, 'base64');
  assert.equal(bytes.length, 512);
  assert.equal(bytes.readUInt16LE(510), 0xaa55);
  const r = spawnSync('sh', [join(here, 'kvm-probe', 'build.sh')], { encoding: 'utf8' });
  if (r.error || (r.status !== 0 && /not found/.test(r.stderr))) {
    t.skip('no assembler on this machine');
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), PROBE_BOOT_SECTOR_B64, 'run src/qemu/kvm-probe/build.sh and update kvm-probe.ts');
});

test('the probe guest enters long mode and exits with the expected code under TCG', async () => {
  const r = await runProbeGuest(QEMU, 'tcg', 10000);
  assert.equal(r.spawnError, undefined);
  assert.equal(r.timedOut, false, r.stderr);
  assert.equal(r.code, PROBE_EXIT_OK, r.stderr);
  assert.deepEqual(probeProcesses(), []);
});

test('probeKvm on this machine: a clear answer within its timeout, no QEMU left behind', async () => {
  const t0 = Date.now();
  const r = await probeKvm(QEMU);
  const took = Date.now() - t0;
  assert.ok(took < 2 * KVM_PROBE_TIMEOUT_MS + 1500, `took ${took} ms`);
  assert.deepEqual(probeProcesses(), []);
  if (!existsSync('/dev/kvm')) {
    assert.equal(r.usable, false);
    assert.match(r.reason ?? '', /^KVM is not usable: \/dev\/kvm does not exist/);
  } else if (existsSync('/sys/module/kvm_pvm')) {
    // the nested software KVM of these machines: guests do not finish in time
    assert.equal(r.usable, false);
    assert.match(r.reason ?? '', /^KVM is not usable: a test guest (did not finish within 3 s|took \d+ ms) under \/dev\/kvm/);
  } else if (!r.usable) {
    assert.match(r.reason ?? '', /^KVM is not usable: /);
  }
});

test('probeKvm names a missing device and a missing binary', async () => {
  const a = await probeKvm(QEMU, { device: '/nonexistent/kvm' });
  assert.deepEqual(a, {
    usable: false,
    reason: 'KVM is not usable: /nonexistent/kvm does not exist (KVM module not loaded, or no hardware virtualization)',
  });
  if (existsSync('/dev/kvm')) {
    const b = await probeKvm('/nonexistent/qemu-system-x86_64');
    assert.equal(b.usable, false);
    assert.match(b.reason ?? '', /cannot run \/nonexistent\/qemu-system-x86_64/);
  }
});
