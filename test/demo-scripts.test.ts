// The demo script's helpers (scripts/demo-boot.sh, scripts/deps.sh) run by bash as the demo runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..');
const bash = (script: string, env: Record<string, string> = {}) =>
  spawnSync('bash', ['-c', script], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env } });

const OLD_BOOT = 'TSVIRT-GUEST-UP\nTSVIRT-IP eth0 192.168.122.50\nTSVIRT-GUEST-READY\ntsvirt-guest:/# \n';

test('a rerun waits for the new boot: an earlier boot\'s lines and address in the log do not count', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-demo-'));
  try {
    const log = path.join(dir, 'serial0.log');
    writeFileSync(log, OLD_BOOT);
    const from = statSync(log).size;
    // nothing new: the timeout fires (it could not before: the old lines matched at once)
    const none = bash(`source scripts/demo-boot.sh; demo_wait_boot '${log}' ${from} 1`);
    assert.equal(none.status, 1, none.stderr);
    assert.equal(none.stdout, '');
    // the new boot arrives while it waits: its address, not the old one
    const waiting = spawn('bash', ['-c', `source scripts/demo-boot.sh; demo_wait_boot '${log}' ${from} 10`], { cwd: REPO });
    let out = '';
    waiting.stdout.on('data', (b) => (out += b));
    const code = new Promise<number | null>((r) => waiting.once('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(log, '\0\0TSVIRT-GUEST-UP\nTSVIRT-IP eth0 192.168.122.61\n');
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(log, 'TSVIRT-GUEST-READY\n');
    assert.equal(await code, 0);
    assert.equal(out, '192.168.122.61\n');
    // a guest running already: its boot is the last one in the log
    const at = bash(`source scripts/demo-boot.sh; demo_last_boot_offset '${log}'`).stdout.trim();
    assert.equal(Number(at), readFileSync(log, 'latin1').lastIndexOf('TSVIRT-GUEST-UP'));
    assert.equal(bash(`source scripts/demo-boot.sh; demo_wait_boot '${log}' ${at} 1`).stdout, '192.168.122.61\n');
    assert.equal(bash(`source scripts/demo-boot.sh; demo_last_boot_offset '${path.join(dir, 'none.log')}'`).stdout, '0\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unreachable package mirrors: a clear message naming what is missing, and no install attempt', { skip: process.getuid?.() !== 0 && 'installs only as root' }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-deps-'));
  try {
    // stand-ins for dpkg-query (nothing installed) and apt-get (the mirrors cannot be reached)
    writeFileSync(path.join(dir, 'dpkg-query'), '#!/bin/sh\nexit 1\n');
    writeFileSync(path.join(dir, 'apt-get'), `#!/bin/sh\necho "apt-get $*" >> '${dir}/calls'\necho "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Could not resolve 'deb.debian.org'" >&2\nexit 100\n`);
    for (const f of ['dpkg-query', 'apt-get']) chmodSync(path.join(dir, f), 0o755);
    const r = bash('set -euo pipefail; source scripts/deps.sh; tsvirt_ensure_debian_packages; echo reached', { PATH: `${dir}:${process.env.PATH}`, CI: '' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /reached/);
    assert.match(r.stderr, /tsvirt: cannot refresh the Debian package lists \(apt-get update failed, see above\): are the mirrors in \/etc\/apt\/sources\.list reachable \(network, proxy\)\? Missing: qemu-system-x86 qemu-utils /);
    const calls = readFileSync(path.join(dir, 'calls'), 'utf8');
    assert.match(calls, /^apt-get update -qq --error-on=any\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreachable npm registry: a clear message after npm\'s own', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-npm-'));
  try {
    writeFileSync(path.join(dir, 'npm'), '#!/bin/sh\necho "npm error code EAI_AGAIN" >&2\nexit 1\n');
    chmodSync(path.join(dir, 'npm'), 0o755);
    const repo = path.join(dir, 'repo');
    mkdirSync(repo);
    const r = bash(`set -euo pipefail; source scripts/deps.sh; tsvirt_ensure_node_modules '${repo}'; echo reached`, { PATH: `${dir}:${process.env.PATH}`, CI: '' });
    assert.equal(r.status, 1);
    assert.doesNotMatch(r.stdout, /reached/);
    assert.match(r.stderr, /npm error code EAI_AGAIN\ntsvirt: npm ci failed \(see above\): is the npm registry reachable/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
