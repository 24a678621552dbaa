// tsvirtd killed with SIGKILL at random points of a stream of mixed operations (define,
// redefine with a change, undefine, start, destroy, volume create and delete, network start and
// stop, disk attach and detach in the definition), then restarted. Each call's answer is
// recorded: an acknowledged change must be there after every restart, an acknowledged removal
// gone, nothing torn; no QEMU, dnsmasq, tap, bridge or nft table may be left that no definition
// or running domain explains (two of the domains have a TPM, so an swtpm each while they run);
// running guests are re-attached in the state they had. A call cut
// by the kill is unacknowledged: its object may be in its old state or its new one.
// FAULT_OPS sets the number of operations (CI's short run 150; `npm run fault` 1,000), FAULT_SEED the seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from '../../src/client/client.js';
import { run } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from '../e2e/daemon.js';
import { addNetns, removeNetns } from '../e2e/netns.js';
import { mulberry32 } from '../e2e/rpc-fuzz-messages.js';
import { recordFigures } from './figures.js';

const OPS = Number(process.env.FAULT_OPS ?? (process.env.FAULT_INPUTS ? 1000 : 150));
const SEED = Number(process.env.FAULT_SEED ?? 20261206);
const NS = `tsvt-kc-${process.pid}`;
const DOMAINS = ['kc0', 'kc1', 'kc2', 'kc3', 'kc4', 'kc5'];
const VOLS = ['v0.img', 'v1.img', 'v2.img', 'v3.img'];
/** these have a TPM: an swtpm beside their QEMU, which must go with it */
const TPM = ['kc4', 'kc5'];
let d: TestDaemon;

/** what an object may be now: one state when its last change was answered, two when a kill cut it */
type Dom = { version: number; running: boolean; disk: boolean } | null;
const allowed = new Map<string, Dom[]>(DOMAINS.map((n) => [n, [null]]));
const vols = new Map<string, boolean[]>(VOLS.map((v) => [v, [false]]));
let net: boolean[] = [false];
const counts = { ops: 0, acked: 0, cut: 0, refused: 0, kills: 0, lost: 0, torn: 0, resurrected: 0, orphaned: 0, wrongState: 0 };
const problems: string[] = [];
/** the first refusals, to tell an expected one (a busy domain) from a defect */
const refusals: string[] = [];

// BIOS guests that find nothing to boot and idle: QEMU runs for real, at almost no CPU
const domXml = (name: string, version: number, disk: boolean) => `<domain type='qemu'>
  <name>${name}</name>
  <uuid>6b6b0000-0000-4000-8000-${String(DOMAINS.indexOf(name)).padStart(12, '0')}</uuid>
  <description>v${version}</description>
  <memory unit='MiB'>16</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='network'><source network='kcnet'/><model type='virtio'/></interface>${disk ? `\n    ${diskXml(name)}` : ''}${TPM.includes(name) ? `
    <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>` : ''}
  </devices>
</domain>
`;
const diskXml = (name: string) => `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${path.join(d.root, 'disks', `${name}.img`)}'/><target dev='vdb' bus='virtio'/></disk>`;

const inNs = (args: string[]) => run('ip', ['netns', 'exec', NS, ...args]);

/** the host side of everything: what exists must be explained by what tsvirtd says */
async function checkHost(c: Client, when: string): Promise<void> {
  const { domains } = await c.call('domain.list', {});
  const runningPids = new Set<number>();
  for (const dom of domains) {
    if (!DOMAINS.includes(dom.name)) continue;
    const want = allowed.get(dom.name)!.filter((a) => a !== null);
    if (!want.length) { counts.resurrected++; problems.push(`${when}: ${dom.name} is defined, its undefine was acknowledged`); continue; }
    let xml: string;
    try {
      xml = (await c.call('domain.getXml', { domain: dom.name, inactive: true })).xml;
    } catch (e) {
      counts.torn++; problems.push(`${when}: ${dom.name}: ${(e as Error).message}`); continue;
    }
    const version = Number(/<description>v(\d+)<\/description>/.exec(xml)?.[1]);
    const disk = xml.includes(`${dom.name}.img`);
    const running = dom.state === 'running';
    if (!want.some((w) => w!.version === version && w!.disk === disk)) {
      counts.lost++; problems.push(`${when}: ${dom.name} has v${version} disk=${disk}, expected one of ${JSON.stringify(want)}`);
    }
    if (!want.some((w) => w!.running === running)) {
      counts.wrongState++; problems.push(`${when}: ${dom.name} is ${dom.state}, expected running=${want.map((w) => w!.running).join('|')}`);
    }
    if (running) runningPids.add(Number(/pid='(\d+)'/.exec(readFileSync(path.join(d.root, 'run/tsvirt/qemu', `${dom.name}.xml`), 'utf8'))![1]));
  }
  for (const [name, a] of allowed) {
    if (!a.includes(null) && !domains.some((x) => x.name === name)) { counts.lost++; problems.push(`${when}: ${name} is gone, its define was acknowledged`); }
  }
  // every definition file on disk is whole
  const qemuDir = path.join(d.root, 'etc/tsvirt/qemu');
  for (const f of readdirSync(qemuDir).filter((x) => x.endsWith('.xml'))) {
    const r = await run('xmllint', ['--noout', path.join(qemuDir, f)]);
    if (r.code !== 0) { counts.torn++; problems.push(`${when}: ${f} is not well-formed: ${r.stderr.slice(0, 200)}`); }
  }
  // QEMUs of this root that no running domain explains
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    let cmd = '';
    try { cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8'); } catch { continue; }
    if (!cmd.startsWith('/usr/bin/qemu-system-x86_64') || !cmd.includes(d.root)) continue;
    if (!runningPids.has(Number(p)) && !/^State:\s+Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8'))) {
      counts.orphaned++; problems.push(`${when}: QEMU ${p} runs with no running domain behind it`);
    }
  }
  // swtpm processes of this root: one per running domain with a TPM
  const swtpms = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'swtpm' && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(d.root); } catch { return false; }
  }).length;
  const tpmRunning = domains.filter((x) => TPM.includes(x.name) && x.state === 'running').length;
  if (swtpms !== tpmRunning) { counts.orphaned++; problems.push(`${when}: ${swtpms} swtpm processes for ${tpmRunning} running domains with a TPM`); }
  const { volumes } = await c.call('vol.list', { pool: 'kc' });
  for (const [v, a] of vols) {
    const has = volumes.some((x) => x.name === v);
    if (!a.includes(has)) { (has ? counts.resurrected++ : counts.lost++); problems.push(`${when}: volume ${v} exists=${has}, expected ${a.join('|')}`); }
  }
  const active = (await c.call('network.list', {})).networks.find((n) => n.name === 'kcnet')?.active ?? false;
  if (!net.includes(active)) { counts.wrongState++; problems.push(`${when}: kcnet active=${active}, expected ${net.join('|')}`); }
  // the network's host side follows its state; taps follow the running domains
  const links = (await inNs(['ip', '-o', 'link'])).stdout;
  const nft = (await inNs(['nft', 'list', 'tables'])).stdout;
  const pids = (await run('ip', ['netns', 'pids', NS])).stdout.split(/\s+/).filter(Boolean);
  const dnsmasq = pids.filter((p) => { try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'dnsmasq'; } catch { return false; } }).length;
  const bridge = /: tsvkc0[:@]/.test(links);
  if (bridge !== active || (nft.includes('tsvirt_tsvkc0')) !== active || dnsmasq !== (active ? 1 : 0)) {
    counts.orphaned++; problems.push(`${when}: kcnet active=${active} but bridge=${bridge}, nft=${nft.includes('tsvirt_tsvkc0')}, dnsmasq=${dnsmasq}`);
  }
  const taps = [...links.matchAll(/: (vnet\d+)[:@]/g)].length;
  if (taps !== runningPids.size) { counts.orphaned++; problems.push(`${when}: ${taps} taps for ${runningPids.size} running domains`); }
}

before(async () => {
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS });
  const c = new Client({ uri: d.uri });
  try {
    await run('mkdir', ['-p', path.join(d.root, 'disks'), path.join(d.root, 'kcpool')]);
    for (const n of DOMAINS) writeFileSync(path.join(d.root, 'disks', `${n}.img`), Buffer.alloc(1 << 20));
    await c.call('pool.define', { xml: `<pool type='dir'><name>kc</name><target><path>${path.join(d.root, 'kcpool')}</path></target></pool>` });
    await c.call('pool.start', { pool: 'kc' });
    await c.call('pool.setAutostart', { pool: 'kc', autostart: true });
    await c.call('network.define', { xml: `<network><name>kcnet</name><bridge name='tsvkc0'/><ip address='10.82.0.1' netmask='255.255.255.0'><dhcp><range start='10.82.0.10' end='10.82.0.99'/></dhcp></ip></network>` });
  } finally {
    c.close();
  }
});

after(async () => {
  await d?.stop();
  await removeNetns(NS);
});

test(`kill -9 of tsvirtd every 30-80 of ${OPS} mixed operations (seed ${SEED}): nothing lost, torn, resurrected or orphaned`, async () => {
  const r = mulberry32(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  let c = new Client({ uri: d.uri });
  let nextKill = 30 + Math.floor(r() * 51);
  let version = 0;
  try {
    for (let i = 0; counts.ops < OPS && i < OPS * 20; i++) {
      const name = pick(DOMAINS);
      const cur = allowed.get(name)!;
      const sure = cur.length === 1 ? cur[0] : undefined; // a cut call leaves two states: only sure ones get a planned op
      const kind = pick(['define', 'define', 'undefine', 'start', 'destroy', 'vol', 'vol', 'net', 'disk'] as const);
      let call: (() => Promise<unknown>) | undefined;
      let after: (() => void) | undefined;
      const set = (a: Dom[]) => () => allowed.set(name, a);
      if (kind === 'define' && (sure === null || (sure && !sure.running))) {
        const v = ++version;
        const disk = sure ? sure.disk : false;
        call = () => c.call('domain.define', { xml: domXml(name, v, disk) });
        after = set([{ version: v, running: false, disk }]);
      } else if (kind === 'undefine' && sure && !sure.running) {
        call = () => c.call('domain.undefine', { domain: name });
        after = set([null]);
      } else if (kind === 'start' && sure && !sure.running && net.length === 1 && net[0]) {
        call = () => c.call('domain.start', { domain: name });
        after = set([{ ...sure, running: true }]);
      } else if (kind === 'destroy' && sure?.running) {
        call = () => c.call('domain.destroy', { domain: name });
        after = set([{ ...sure, running: false }]);
      } else if (kind === 'disk' && sure && !sure.running) {
        const attach = !sure.disk;
        call = () => c.call(attach ? 'domain.attachDevice' : 'domain.detachDevice', { domain: name, xml: diskXml(name), config: true });
        after = set([{ ...sure, disk: attach }]);
      } else if (kind === 'vol') {
        const v = pick(VOLS);
        const now = vols.get(v)!;
        if (now.length === 1) {
          call = now[0] ? () => c.call('vol.delete', { pool: 'kc', vol: v })
            : () => c.call('vol.create', { pool: 'kc', xml: `<volume><name>${v}</name><capacity unit='KiB'>64</capacity><target><format type='raw'/></target></volume>` });
          const to = !now[0];
          after = () => vols.set(v, [to]);
        }
      } else if (kind === 'net' && net.length === 1) {
        const running = [...allowed.values()].some((a) => a.some((x) => x?.running));
        if (!net[0]) { call = () => c.call('network.start', { network: 'kcnet' }); after = () => { net = [true]; }; }
        else if (!running) { call = () => c.call('network.destroy', { network: 'kcnet' }); after = () => { net = [false]; }; }
      }
      if (!call || !after) continue;
      counts.ops++;
      const killNow = counts.ops >= nextKill;
      const before = { dom: [...cur], vols: new Map([...vols].map(([k, v]) => [k, [...v]])), net: [...net] };
      let outcome: 'ok' | 'refused' | 'cut';
      if (killNow) {
        // the kill lands somewhere in the call (or just before or after it)
        // any failure of a call the kill overlapped counts as cut: the daemon may have done it before dying
        const p = call().then(() => 'ok' as const, () => 'cut' as const);
        await new Promise((res) => setTimeout(res, Math.floor(r() * 4)));
        await d.kill();
        outcome = await p;
        counts.kills++;
      } else {
        outcome = await call().then(() => 'ok' as const, (e: Error) => {
          if (refusals.length < 8) refusals.push(`${kind} ${name}: ${e.message}`);
          return 'refused' as const;
        });
      }
      if (outcome === 'ok') { counts.acked++; after(); }
      else if (outcome === 'refused') counts.refused++;
      else {
        counts.cut++;
        // either state may be what the disk holds now
        after();
        const now = { dom: allowed.get(name)!, vols, net };
        allowed.set(name, [...new Map([...before.dom, ...now.dom].map((x) => [JSON.stringify(x), x])).values()]);
        for (const [k, v] of before.vols) vols.set(k, [...new Set([...v, ...now.vols.get(k)!])]);
        net = [...new Set([...before.net, ...now.net])];
      }
      if (killNow) {
        c.close();
        await d.restart();
        c = new Client({ uri: d.uri });
        await checkHost(c, `after kill ${counts.kills} (op ${counts.ops})`);
        // what the restarted daemon shows is now the one state of each object
        const { domains } = await c.call('domain.list', {});
        for (const n of DOMAINS) {
          const dom = domains.find((x) => x.name === n);
          if (!dom) { allowed.set(n, [null]); continue; }
          const xml = (await c.call('domain.getXml', { domain: n, inactive: true })).xml;
          allowed.set(n, [{ version: Number(/<description>v(\d+)</.exec(xml)?.[1]), running: dom.state === 'running', disk: xml.includes(`${n}.img`) }]);
        }
        const { volumes } = await c.call('vol.list', { pool: 'kc' });
        for (const v of VOLS) vols.set(v, [volumes.some((x) => x.name === v)]);
        net = [(await c.call('network.list', {})).networks.find((n) => n.name === 'kcnet')?.active ?? false];
        nextKill = counts.ops + 30 + Math.floor(r() * 51);
      }
    }
    await checkHost(c, 'at the end');
  } finally {
    c.close();
  }
  recordFigures('kill-campaign', { seed: SEED, ...counts });
  if (refusals.length) process.stderr.write(`refused calls (first ${refusals.length}):\n${refusals.join('\n')}\n`);
  assert.deepEqual(problems, [], `seed ${SEED}: lost ${counts.lost}, torn ${counts.torn}, resurrected ${counts.resurrected}, orphaned ${counts.orphaned}, wrong state ${counts.wrongState}`);
  assert.ok(counts.kills >= Math.floor(OPS / 80), `tsvirtd was killed ${counts.kills} times`);
  assert.ok(counts.acked > OPS / 2, `${counts.acked} of ${counts.ops} calls were acknowledged`);
});
