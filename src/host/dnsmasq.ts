// dnsmasq (Debian's dnsmasq-base) as a virtual network's DHCP and DNS server: tsvirt
// writes its config, hosts and leases files into the network's run folder and tracks
// its pid through the pid file dnsmasq writes.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TsvirtError } from '../util/errors.js';
import { runOk } from '../util/spawn.js';

export interface DnsmasqSpec {
  bridge: string;
  address: string;
  netmask: string;
  ranges: Array<{ start: string; end: string }>;
  hosts: Array<{ mac?: string; name?: string; ip: string }>;
  domain?: { name: string; localOnly?: boolean };
  forwarders: Array<{ addr?: string; domain?: string }>;
  dnsHosts: Array<{ ip: string; hostnames: string[] }>;
  /** isolated networks: hand out no default route */
  noRouter?: boolean;
}

export interface DnsmasqFiles { conf: string; pid: string; leases: string; addnHosts: string }

export function dnsmasqFiles(dir: string, name: string): DnsmasqFiles {
  const f = (ext: string) => path.join(dir, `${name}.${ext}`);
  return { conf: f('conf'), pid: f('pid'), leases: f('leases'), addnHosts: f('addnhosts') };
}

export function dnsmasqConf(s: DnsmasqSpec, files: DnsmasqFiles): string {
  const lines = [
    '# written by tsvirt; changes are overwritten',
    'strict-order',
    `pid-file=${files.pid}`,
    'except-interface=lo',
    'bind-dynamic',
    `interface=${s.bridge}`,
    `dhcp-leasefile=${files.leases}`,
    `addn-hosts=${files.addnHosts}`,
  ];
  if (s.domain) {
    lines.push(`domain=${s.domain.name}`, 'expand-hosts');
    if (s.domain.localOnly) lines.push(`local=/${s.domain.name}/`);
  }
  for (const f of s.forwarders) lines.push(f.domain ? `server=/${f.domain}/${f.addr ?? ''}` : `server=${f.addr}`);
  if (s.forwarders.some((f) => !f.domain)) lines.push('no-resolv');
  for (const r of s.ranges) lines.push(`dhcp-range=${r.start},${r.end},${s.netmask}`);
  if (s.ranges.length || s.hosts.length) {
    if (!s.ranges.length) lines.push(`dhcp-range=${s.address},static`);
    lines.push('dhcp-no-override', 'dhcp-authoritative');
    if (s.noRouter) lines.push('dhcp-option=3');
    // in the config file, read before dnsmasq drops root: the run folder may be closed to 'nobody'
    for (const h of s.hosts) lines.push(`dhcp-host=${[h.mac, h.ip, h.name].filter(Boolean).join(',')}`);
  }
  return lines.join('\n') + '\n';
}

const addnHostsFile = (hosts: DnsmasqSpec['dnsHosts']) => hosts.map((h) => `${h.ip}\t${h.hostnames.join('\t')}`).join('\n') + '\n';

/** The running dnsmasq of these files, or undefined. */
export async function dnsmasqPid(files: DnsmasqFiles): Promise<number | undefined> {
  const pid = Number((await fs.readFile(files.pid, 'utf8').catch(() => '')).trim());
  if (!pid) return undefined;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(files.conf) ? pid : undefined;
}

export async function startDnsmasq(s: DnsmasqSpec, files: DnsmasqFiles): Promise<number> {
  await fs.writeFile(files.conf, dnsmasqConf(s, files), { mode: 0o600 });
  await fs.writeFile(files.addnHosts, addnHostsFile(s.dnsHosts), { mode: 0o644 });
  await fs.rm(files.pid, { force: true });
  // dnsmasq forks and exits once it is serving: the pid file is there then
  await runOk('dnsmasq', [`--conf-file=${files.conf}`], { timeoutMs: 10_000 });
  const pid = await dnsmasqPid(files);
  if (!pid) throw new TsvirtError('operation-failed', `dnsmasq for ${s.bridge} did not start (no pid in ${files.pid})`);
  return pid;
}

/** Applies a changed spec (static hosts): dnsmasq is restarted; it reloads its leases file. */
export async function restartDnsmasq(s: DnsmasqSpec, files: DnsmasqFiles): Promise<number> {
  const pid = await dnsmasqPid(files);
  if (pid) await killAndWait(pid, files);
  return startDnsmasq(s, files);
}

/** True while `pid` is still this dnsmasq and not a zombie (a zombie has closed its sockets). */
async function alive(pid: number, files: DnsmasqFiles): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (stat === '' || /^\d+ \(.*\) [ZX] /s.test(stat)) return false;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  // an exiting dnsmasq loses its cmdline before it closes its sockets: still there
  if (cmdline === '') return /^\d+ \(dnsmasq\) /.test(stat);
  // a reused pid belongs to someone else: never signal it
  return cmdline.includes(files.conf);
}

/**
 * Ends dnsmasq and waits until the process is gone: it removes its pid file before it
 * exits, and a new dnsmasq started while the old one still holds port 67/53 fails with
 * "Address already in use".
 */
async function killAndWait(pid: number, files: DnsmasqFiles): Promise<void> {
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 250 && (await alive(pid, files)); i++) await new Promise((r) => setTimeout(r, 20));
  if (await alive(pid, files)) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && (await alive(pid, files)); i++) await new Promise((r) => setTimeout(r, 20));
  }
  if (await alive(pid, files)) throw new TsvirtError('operation-failed', `dnsmasq (pid ${pid}, ${files.conf}) did not exit`);
}

/** Stops dnsmasq and removes every file of it; safe when it is not running. */
export async function stopDnsmasq(files: DnsmasqFiles): Promise<void> {
  const pid = await dnsmasqPid(files);
  if (pid) await killAndWait(pid, files);
  for (const f of Object.values(files)) await fs.rm(f, { force: true });
}

export interface Lease { expiry: number; mac: string; ip: string; hostname?: string; clientId?: string }

/** dnsmasq's lease file: "expiry mac ip hostname clientid" a line, '*' for unknown. */
export async function readLeases(files: DnsmasqFiles): Promise<Lease[]> {
  const text = await fs.readFile(files.leases, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim()).map((l) => {
    const [expiry, mac, ip, hostname, clientId] = l.trim().split(/\s+/);
    return { expiry: Number(expiry), mac, ip, hostname: hostname === '*' ? undefined : hostname, clientId: clientId === '*' ? undefined : clientId };
  });
}
