// End to end: the statistics of a real TCG guest that burns CPU for 6 s, idles, reads 8 MiB of
// its disk and pings its gateway (test/guest/init tsvirt.stats=6), seen through tsvirt domstats,
// stock virsh over the libvirt protocol, GET /metrics (checked by promtool), a real Prometheus
// scraping tsvirtd --listen-metrics every second, and the web UI's charts in Chromium.
// Everything runs in a network namespace this file creates and removes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { run, runOk } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { addNetns, removeNetns } from './netns.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml, waitForText } from './guest.js';
import { launchBrowser, shot } from './browser.js';

const NS = `tsvt-met-${process.pid}`;
const METRICS_AT = '127.0.0.1:9177';
const PROM_AT = '127.0.0.1:9090';
const MIB8 = 8 * 1024 * 1024;
let d: TestDaemon;
let prom: ChildProcess | undefined;
let browser: Browser | undefined;
let log: string;

type Stats = Record<string, number | string>;
interface Sample { at: number; s: Stats }
const samples: Record<string, Sample> = {};

async function ok(args: string[]): Promise<string> {
  const r = await d.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function sample(name: string): Promise<Sample> {
  const at = Date.now();
  const [rec] = JSON.parse(await ok(['domstats', 'm1', '--json'])) as Array<{ stats: Stats }>;
  return (samples[name] = { at, s: rec.stats });
}
const n = (x: Sample, k: string) => Number(x.s[k]);

/** GET on the daemon's read-only unix socket */
function getOnSocket(p: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath: path.join(d.root, 'run/tsvirt/tsvirtd-ro.sock'), path: p }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

/** a sample's value from the text format, e.g. metric('libvirt_domain_block_stats_read_bytes_total', 'target_device="vda"') */
function metric(text: string, name: string, label = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('domain="m1"') && l.includes(label));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
}

before(async () => {
  const guest = await ensureTestGuest();
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS, args: ['--listen-http', '127.0.0.1:0', '--listen-metrics', METRICS_AT] });
  const netFile = path.join(d.root, 'met-net.xml');
  writeFileSync(netFile, `<network><name>met</name><bridge name='tsvmet0'/><ip address='10.79.0.1' netmask='255.255.255.0'><dhcp><range start='10.79.0.100' end='10.79.0.150'/></dhcp></ip></network>\n`);
  await ok(['net-define', netFile]);
  await ok(['net-start', 'met']);
  const disk = path.join(d.root, 'm1.img');
  await runOk('qemu-img', ['create', '-f', 'raw', disk, '32M']);
  log = path.join(d.root, 'm1-console.log');
  const xml = minimalDomainXml({
    name: 'm1', ...guest, consoleLog: log, memoryMiB: 128,
    cmdline: guestCmdline('tsvirt.dhcp=1 tsvirt.shell=0 tsvirt.stats=6'),
    extraDevices: `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
<interface type='network'><mac address='52:54:00:79:00:01'/><source network='met'/><model type='virtio'/></interface>`,
  });
  const f = path.join(d.root, 'm1.xml');
  writeFileSync(f, xml);
  await ok(['define', f]);

  // a real Prometheus in the namespace, scraping the metrics listener every second
  const promDir = path.join(d.root, 'prometheus');
  mkdirSync(promDir, { recursive: true });
  writeFileSync(path.join(promDir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: tsvirt\n    static_configs:\n      - targets: ['${METRICS_AT}']\n`);
  prom = spawn('ip', ['netns', 'exec', NS, 'prometheus', `--config.file=${path.join(promDir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(promDir, 'data')}`, `--web.listen-address=${PROM_AT}`], { stdio: 'ignore' });
});

after(async () => {
  await browser?.close();
  // `ip netns exec` execs prometheus: the child's pid is the server's
  if (prom?.pid && prom.exitCode === null) {
    prom.kill('SIGTERM');
    await new Promise((r) => { prom!.once('exit', r); setTimeout(r, 5000); });
    if (prom.exitCode === null) prom.kill('SIGKILL');
  }
  await d?.stop();
  await removeNetns(NS);
});

test('a guest that burns CPU, reads its disk and pings: domstats sees CPU time rise then flatten, disk reads and NIC traffic grow', async () => {
  await ok(['start', 'm1']);
  await waitForText(log, 'TSVIRT-BURN-START', 120_000);
  await new Promise((r) => setTimeout(r, 1000));
  const a = await sample('burn1');
  await new Promise((r) => setTimeout(r, 3000));
  const b = await sample('burn2');
  await waitForText(log, 'TSVIRT-BURN-END', 30_000);
  const beforeRead = await sample('beforeRead');
  await waitForText(log, 'TSVIRT-STATS-DONE', 60_000);
  assert.match(readFileSync(log, 'utf8'), /TSVIRT-GW-PING 10\.79\.0\.1 ok/, 'the guest reached its gateway');
  await new Promise((r) => setTimeout(r, 2000));
  const c = await sample('idle1');
  await new Promise((r) => setTimeout(r, 4000));
  const e = await sample('idle2');

  const rate = (x: Sample, y: Sample) => (n(y, 'cpu.time') - n(x, 'cpu.time')) / 1e9 / ((y.at - x.at) / 1000);
  const burn = rate(a, b);
  const idle = rate(c, e);
  assert.ok(burn > 0.5, `while burning, CPU time grows by ${burn.toFixed(2)} s per second (expected > 0.5)`);
  assert.ok(idle < burn / 2, `idle, CPU time grows by ${idle.toFixed(2)} s/s, not clearly less than ${burn.toFixed(2)} s/s while burning`);
  assert.ok(n(b, 'vcpu.0.time') > n(a, 'vcpu.0.time'), 'the vCPU thread time grows while burning');
  assert.equal(c.s['block.0.name'], 'vda');
  assert.ok(n(c, 'block.0.rd.bytes') - n(beforeRead, 'block.0.rd.bytes') >= MIB8,
    `block read bytes grew by ${n(c, 'block.0.rd.bytes') - n(beforeRead, 'block.0.rd.bytes')}, the guest read ${MIB8}`);
  assert.equal(n(c, 'block.0.capacity'), 32 * 1024 * 1024);
  assert.match(String(c.s['net.0.name']), /^vnet\d+$/);
  assert.ok(n(c, 'net.0.tx.pkts') - n(beforeRead, 'net.0.tx.pkts') >= 5, 'five pings sent');
  assert.ok(n(c, 'net.0.rx.pkts') - n(beforeRead, 'net.0.rx.pkts') >= 5, 'five replies received');
  assert.ok(n(c, 'net.0.tx.bytes') > n(beforeRead, 'net.0.tx.bytes') && n(c, 'net.0.rx.bytes') > n(beforeRead, 'net.0.rx.bytes'));
  assert.ok(n(c, 'balloon.rss') > 0 && n(c, 'balloon.maximum') === 128 * 1024);
  assert.equal(n(c, 'state.state'), 1);
});

test('stock virsh over the libvirt protocol prints what tsvirt prints (domstats, domblkstat, domifstat, domblkinfo, cpu-stats, vcpuinfo, vcpucount, node stats)', async () => {
  const tap = String(samples.idle1.s['net.0.name']);
  const digits = (s: string) => s.replace(/\d+(\.\d+)?/g, 'N').replace(/ +/g, ' ');
  for (const cmd of [['domstats', 'm1'], ['domstats', '--block', '--interface', '--list-running'], ['domblkstat', 'm1', 'vda'], ['domblkstat', 'm1', 'vda', '--human'],
    ['domifstat', 'm1', tap], ['domblkinfo', 'm1', 'vda'], ['domblkinfo', 'm1', '--all'], ['cpu-stats', 'm1'], ['cpu-stats', 'm1', '--total'],
    ['vcpuinfo', 'm1'], ['vcpucount', 'm1'], ['dommemstat', 'm1'], ['nodecpustats'], ['nodecpustats', '--cpu', '0'], ['nodememstats'], ['nodecpumap']]) {
    const v = await d.virsh(cmd);
    assert.equal(v.code, 0, `virsh ${cmd.join(' ')}: ${v.stderr}`);
    const t = await ok(cmd);
    assert.equal(digits(t), digits(v.stdout), `virsh and tsvirt print ${cmd.join(' ')} alike`);
  }
  // the numbers are the daemon's: a counter that cannot change now reads the same both ways
  const v = await d.virsh(['domblkstat', 'm1', 'vda']);
  assert.match(v.stdout, new RegExp(`^vda rd_bytes ${samples.idle2.s['block.0.rd.bytes']}$`, 'm'));
});

test('GET /metrics: Prometheus text that promtool accepts, with the guest\'s CPU, disk and NIC figures', async () => {
  const r = await getOnSocket('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.type, /^text\/plain; version=0\.0\.4/);
  const check = await run('promtool', ['check', 'metrics'], { input: r.body });
  assert.equal(check.code, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);
  const c = samples.idle2;
  assert.ok(metric(r.body, 'libvirt_domain_info_cpu_time_seconds_total')! >= n(c, 'cpu.time') / 1e9);
  assert.equal(metric(r.body, 'libvirt_domain_block_stats_read_bytes_total', 'target_device="vda"'), n(c, 'block.0.rd.bytes'));
  assert.ok(metric(r.body, 'libvirt_domain_interface_stats_receive_bytes_total', `target_device="${c.s['net.0.name']}"`)! >= n(c, 'net.0.rx.bytes'));
  assert.ok(metric(r.body, 'libvirt_domain_memory_stats_rss_bytes')! > 0);
  assert.equal(metric(r.body, 'libvirt_domain_state_code'), 1);
  assert.match(r.body, /^tsvirt_api_calls_total\{method="domain\.getAllStats",result="ok"\} \d+$/m);
  assert.match(r.body, /^tsvirt_api_call_duration_seconds_bucket\{method="domain\.start",le="\+Inf"\} 1$/m);
  assert.match(r.body, /^tsvirt_qemu_starts_total 1$/m);
  assert.match(r.body, /^tsvirt_connections_open\{transport="http"\} [1-9]/m);
  // the metrics listener serves nothing else, and the web listener only with a session
  const other = await run('ip', ['netns', 'exec', NS, process.execPath, '-e', `fetch('http://${METRICS_AT}/v1/domain.list').then((r) => console.log(r.status))`]);
  assert.equal(other.stdout.trim(), '404');
});

test('a real Prometheus scraping every second answers a query for the guest\'s CPU rate', async () => {
  const query = async (q: string) => (await run('ip', ['netns', 'exec', NS, 'promtool', 'query', 'instant', `http://${PROM_AT}`, q])).stdout;
  let out = '';
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    out = await query('rate(libvirt_domain_info_cpu_time_seconds_total{domain="m1"}[10s])');
    if (/=>\s*[\d.e+-]+/.test(out)) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const m = /=>\s*([\d.e+-]+)/.exec(out);
  assert.ok(m, `Prometheus returned no CPU rate for m1 within 60 s: ${out}`);
  assert.ok(Number(m[1]) >= 0 && Number(m[1]) < 2.5, `a CPU rate of one vCPU: ${m[1]}`);
  const reads = /=>\s*(\d+)/.exec(await query('libvirt_domain_block_stats_read_bytes_total{domain="m1",target_device="vda"}'));
  assert.ok(reads && Number(reads[1]) >= MIB8, `Prometheus has the disk's read bytes: ${reads?.[1]}`);
});

test('the web UI draws live CPU, memory, disk and network charts of the VM, and a host overview', async () => {
  const loginUrl = (await ok(['ui'])).trim();
  browser = await launchBrowser({ netns: NS });
  const page = await browser.newPage();
  await page.goto(loginUrl);
  await page.waitForSelector('.conn.up');
  await page.waitForFunction(() => {
    const raw = document.querySelector('[data-chart=host-cpu] svg')?.getAttribute('data-points');
    return raw ? (JSON.parse(raw) as Array<number | null>).filter((x) => x !== null).length >= 2 : false;
  }, undefined, { timeout: 30_000 });
  assert.match(await page.locator('[data-chart=guests]').innerText(), /1 of 1/);
  await page.goto(`${new URL(loginUrl).origin}/#/vm/m1`);
  await page.waitForFunction(() => {
    const raw = document.querySelector('[data-chart=cpu] svg')?.getAttribute('data-points');
    return raw ? (JSON.parse(raw) as Array<number | null>).filter((x) => x !== null).length >= 3 : false;
  }, undefined, { timeout: 30_000 });
  const chart = async (id: string) => page.locator(`[data-chart=${id}] svg`).evaluate((el) => ({
    points: (JSON.parse(el.getAttribute('data-points') ?? '[]') as Array<number | null>).filter((x): x is number => x !== null),
    total: Number(el.getAttribute('data-total')),
    label: el.getAttribute('aria-label') ?? '',
  }));
  const cpu = await chart('cpu');
  assert.ok(cpu.points.every((p) => p >= 0 && p <= 100), `CPU points are percentages: ${cpu.points}`);
  assert.ok(cpu.total >= n(samples.idle2, 'cpu.time'), 'the CPU chart reads the same counter as domstats');
  assert.match(cpu.label, /^CPU usage \(1 vCPU\): [\d.]+ % now/);
  const read = await chart('disk-read');
  assert.equal(read.total, n(samples.idle2, 'block.0.rd.bytes'), 'the disk chart reads the same counter as domstats');
  const rx = await chart('net-rx');
  assert.ok(rx.total >= n(samples.idle2, 'net.0.rx.bytes'));
  const mem = await chart('memory');
  assert.ok(mem.points.length >= 3 && mem.points.every((p) => p > 0));
  await shot(page, 'metrics-charts');
});

test('bad input to the stats commands is a clear error', async () => {
  const fails = async (args: string[], re: RegExp) => {
    const r = await d.cli(args);
    assert.equal(r.code, 1, `tsvirt ${args.join(' ')} should fail`);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  };
  await fails(['domstats', '--no-such-flag'], /command 'domstats' doesn't support option --no-such-flag/);
  await fails(['domstats', 'nosuch'], /failed to get domain 'nosuch'/);
  await fails(['domstats', 'm1', '--list-running'], /Filtering flags are not supported with a list of domains/);
  await fails(['domstats', '--iothread', '--enforce'], /Stats types 'iothread' are not supported/);
  await fails(['domblkstat', 'm1', 'vdz'], /invalid path: vdz/);
  await fails(['domifstat', 'm1', 'nosuch0'], /'nosuch0' is not a known interface/);
  await fails(['cpu-stats', 'm1', '--start', '99'], /Start CPU 99 is out of range/);
  await fails(['nodecpustats', '--cpu', '999'], /Invalid cpuNum/);
  await fails(['nodememstats', '--cell', '5'], /cellNum in virHostMemGetStats must be less than or equal to 0/);
});
