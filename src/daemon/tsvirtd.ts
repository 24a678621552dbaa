// tsvirtd: one per host (or per user for a session instance, or per --root folder).
import { parseArgs } from 'node:util';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as http from 'node:http';
import type * as net from 'node:net';
import { QemuDriver } from '../qemu/driver.js';
import { TsvirtError, toTsvirtError } from '../util/errors.js';
import { DomainService } from './domain-service.js';
import { makeLogger, type Logger } from './log.js';
import { logLifecycle } from './lifecycle-log.js';
import { DomainStore } from './domain-store.js';
import { EventBus } from './event-bus.js';
import { listenUnix, socketAnswers } from './http-server.js';
import { Consoles, consoleOpener } from './console.js';
import { makeHandlers } from './handlers.js';
import { makeWebHandlers } from './handlers-web.js';
import { WebAuth } from './web-auth.js';
import { listenHttp, parseListenAddress, serverUrl } from './web-server.js';
import { DaemonMetrics, renderMetrics } from './metrics.js';
import { listenMetrics } from './metrics-server.js';
import { vncOpener, vncTarget } from './vnc-proxy.js';
import { ensureDirs, rootPaths, sessionPaths, systemPaths, type InstancePaths } from './paths.js';
import { autostartDomains, loadDefinitions, reattachRunning } from './recovery.js';
import { TSVIRT_VERSION } from './version.js';
import { StorageService } from './storage-service.js';
import { StorageStore } from './storage-store.js';
import { runningVolumeUser, storageResourceProvider } from './storage-provider.js';
import { handleVolumeStream } from './volume-stream.js';
import { DeviceService } from './device-service.js';
import { NetworkService } from './network-service.js';
import { NetworkStore } from './network-store.js';
import { networkResourceProvider } from './network-provider.js';
import { HostRoot } from '../host/host-root.js';
import { makeNodedevs } from './nodedev-provider.js';
import { listenLibvirt, type RpcServer } from './libvirt/rpc-server.js';
import { listenNet, netListenOptions, type NetListenOptions } from './libvirt/rpc-listen-net.js';
import { clientTlsFromDir } from './tls-files.js';
import { RpcClient } from './libvirt/rpc-client.js';
import { MigrationService } from './migration-service.js';
import { remoteImpls } from './libvirt/impls.js';
import type { RpcDeps } from './libvirt/rpc-connection.js';

const USAGE = `Usage: tsvirtd [--root DIR | --system | --session] [--no-kvm-probe] [--cache-dir DIR] [--pidfile FILE]
              [--listen-http HOST:PORT] [--listen-metrics HOST:PORT] [--libvirt-compat-sockets]
              [--listen-tcp ADDR[:PORT] --auth-tcp none] [--listen-tls ADDR[:PORT] [--tls-dir DIR] [--tls-allowed-dn PATTERN]...]

  --root DIR       run an isolated instance with all state under DIR (tests, benchmarks)
  --system         the system instance (default for root)
  --session        the per-user instance (default for other users)
  --no-kvm-probe   do not boot a test guest under KVM (KVM then counts as unusable)
  --cache-dir DIR  where probed QEMU capabilities are cached (default: the instance's cache folder)
  --pidfile FILE   write the daemon's pid there
  --listen-http HOST:PORT  serve the web UI there (off by default; log in with: tsvirt ui)
  --listen-metrics HOST:PORT  serve GET /metrics (Prometheus' text format) there without a session, for a
                   Prometheus server to scrape (off by default; /metrics is also on the sockets and the web UI)
  --libvirt-compat-sockets also serve libvirt's protocol on libvirt's own socket paths
                   (/run/libvirt/libvirt-sock, -ro, virtqemud-sock) when no libvirtd holds them
  --listen-tcp ADDR[:PORT]  libvirt's protocol over TCP (port 16509; off by default), as qemu+tcp://HOST/system;
                   needs --auth-tcp none: no authentication, no encryption, for a trusted network only
  --listen-tls ADDR[:PORT]  libvirt's protocol over TLS (port 16514; off by default), as qemu+tls://HOST/system;
                   clients need a certificate signed by the CA
  --tls-dir DIR    cacert.pem, servercert.pem, serverkey.pem (or private/serverkey.pem), and clientcert.pem +
                   clientkey.pem for calls to other daemons (default: /etc/pki/CA/cacert.pem, /etc/pki/libvirt/...);
                   make them with scripts/make-tls-certs.sh DIR ADDR
  --tls-allowed-dn PATTERN  only clients whose certificate DN matches (* is a wildcard; repeatable)
  --migration-host ADDR  the address incoming migrations are sent to when the source names none
`;

export interface Daemon {
  paths: InstancePaths;
  service: DomainService;
  log: Logger;
  close(): Promise<void>;
}

export async function startDaemon(paths: InstancePaths, opts: { kvmProbe?: boolean; log?: Logger; hostRoot?: HostRoot; listenHttp?: string; listenMetrics?: string; libvirtCompatSockets?: boolean; net?: NetListenOptions } = {}): Promise<Daemon> {
  const log = opts.log ?? makeLogger();
  // bad addresses are refused before anything is made
  const listenAt = opts.listenHttp ? parseListenAddress(opts.listenHttp) : undefined;
  const metricsAt = opts.listenMetrics ? parseListenAddress(opts.listenMetrics, '--listen-metrics') : undefined;
  // a second daemon would take over the socket and replay the journals under the first one
  if (await socketAnswers(paths.socket)) {
    throw new TsvirtError('operation-failed', `another tsvirtd is already running on ${paths.socket}`);
  }
  await ensureDirs(paths);
  const store = new DomainStore(paths);
  store.open();
  const driver = new QemuDriver({ cacheDir: paths.cacheDir, kvmProbe: opts.kvmProbe });
  const events = new EventBus();
  const service = new DomainService(store, driver, events, log);
  logLifecycle(events, log);
  // Probe in the background while definitions load; the first define/start waits for it.
  void driver.caps().catch((e) => log.warn(`QEMU capability probe failed: ${e.message}`));
  const storageStore = new StorageStore(paths);
  const storage = new StorageService(storageStore, log, paths.imagesDir, events);
  await storage.init();
  storage.volumeUser = runningVolumeUser(service.registry, storage);
  driver.addResourceProvider(storageResourceProvider(storage));
  const networkStore = new NetworkStore(paths);
  const networks = new NetworkService(networkStore, log, events);
  await networks.init();
  driver.addResourceProvider(networkResourceProvider(networks));
  const nodedevs = makeNodedevs(opts.hostRoot ?? new HostRoot('/'), service.registry, paths.nodedevConfigDir, log, paths.swtpm);
  driver.addResourceProvider(nodedevs.provider);
  for (const m of [store, storageStore, networkStore].flatMap((s) => s.replaySkipped())) log.warn(m);
  await loadDefinitions(service, store, log);
  await reattachRunning(service, store, driver, log);
  await nodedevs.service.init();
  const webAuth = new WebAuth();
  const metrics = new DaemonMetrics();
  metrics.watch(events);
  const rawHandlers = makeHandlers(service, driver, TSVIRT_VERSION, storage, networks, new DeviceService(service, store, driver, events), nodedevs.service);
  Object.assign(rawHandlers, makeWebHandlers(service, webAuth));
  const handlers = metrics.instrument(rawHandlers);
  const consoles = new Consoles(service);
  const deps = {
    handlers, events, openConsole: consoleOpener(consoles), version: TSVIRT_VERSION,
    streams: (req: http.IncomingMessage, res: http.ServerResponse, ro: boolean) => handleVolumeStream(storage, req, res, ro),
    metrics: () => renderMetrics(service, metrics),
  };
  const servers: http.Server[] = [
    await listenUnix(paths.socket, false, deps),
    await listenUnix(paths.roSocket, true, deps),
  ];
  const rpcDeps: RpcDeps = { handlers, events, impls: remoteImpls, extras: { storage, consoles, vncTarget: (d: string) => vncTarget(service, d) } };
  // the network listeners first: once the libvirt socket answers, they do too
  const netRpc = opts.net ? await listenNet(opts.net, rpcDeps, (m) => log.warn(m), (m) => log.info(m)) : [];
  const rpc: RpcServer[] = [
    ...netRpc,
    await listenLibvirt(paths.libvirtSocket, false, rpcDeps),
    await listenLibvirt(paths.libvirtRoSocket, true, rpcDeps),
  ];
  if (opts.libvirtCompatSockets) rpc.push(...(await listenCompat(rpcDeps, log)));
  if (listenAt) {
    const web = await listenHttp(listenAt, { ...deps, auth: webAuth, openVnc: vncOpener(service) });
    servers.push(web);
    webAuth.baseUrl = serverUrl(web);
    log.info(`web UI on ${webAuth.baseUrl} (log in with: tsvirt ui)`);
  }
  if (metricsAt) {
    const m = await listenMetrics(metricsAt, deps);
    servers.push(m);
    log.info(`metrics on ${serverUrl(m)}/metrics`);
  }
  let httpOpen = 0;
  for (const s of servers) s.on('connection', (sock: net.Socket) => { httpOpen++; sock.once('close', () => httpOpen--); });
  metrics.connections = () => ({ http: httpOpen, libvirt: rpc.reduce((n, r) => n + r.connections.size, 0) });
  void autostartDomains(service, log);
  log.info(`tsvirtd ${TSVIRT_VERSION} listening on ${paths.socket} (${service.registry.size} domains)`);
  return {
    paths,
    service,
    log,
    async close() {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
      for (const r of rpc) await r.close();
      await fs.rm(paths.socket, { force: true });
      await fs.rm(paths.roSocket, { force: true });
      for (const s of [store, storageStore, networkStore]) await s.close();
    },
  };
}

/** libvirt's own socket paths, so a bare `virsh` (qemu:///system) reaches tsvirtd; never taken from a running libvirtd */
export const LIBVIRT_COMPAT_SOCKETS: Array<[string, boolean]> = [
  ['/run/libvirt/libvirt-sock', false], ['/run/libvirt/libvirt-sock-ro', true],
  ['/run/libvirt/virtqemud-sock', false], ['/run/libvirt/virtqemud-sock-ro', true],
];

async function listenCompat(deps: RpcDeps, log: Logger): Promise<RpcServer[]> {
  const out: RpcServer[] = [];
  await fs.mkdir('/run/libvirt', { recursive: true });
  for (const [p, ro] of LIBVIRT_COMPAT_SOCKETS) {
    if (await socketAnswers(p)) {
      log.warn(`${p} is served by another daemon (libvirtd?): left to it`);
      continue;
    }
    out.push(await listenLibvirt(p, ro, deps));
  }
  return out;
}

async function main(): Promise<void> {
  // set by bin/tsvirtd for this process only (glibc read it at start): children get the default
  if (process.env.TSVIRTD_OWN_ARENA) {
    delete process.env.MALLOC_ARENA_MAX;
    delete process.env.TSVIRTD_OWN_ARENA;
  }
  let args;
  try {
    args = parseArgs({
      options: {
        root: { type: 'string' }, system: { type: 'boolean' }, session: { type: 'boolean' },
        'no-kvm-probe': { type: 'boolean' }, 'cache-dir': { type: 'string' }, pidfile: { type: 'string' }, 'listen-http': { type: 'string' }, 'listen-metrics': { type: 'string' }, 'libvirt-compat-sockets': { type: 'boolean' },
        'listen-tcp': { type: 'string' }, 'auth-tcp': { type: 'string' }, 'listen-tls': { type: 'string' }, 'tls-dir': { type: 'string' }, 'tls-allowed-dn': { type: 'string', multiple: true },
        'migration-host': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`tsvirtd: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) return void process.stdout.write(USAGE);
  if (args.version) return void process.stdout.write(`tsvirtd (tsvirt) ${TSVIRT_VERSION}\n`);
  const paths = args.root
    ? rootPaths(args.root)
    : args.session || (!args.system && process.getuid?.() !== 0) ? sessionPaths() : systemPaths();
  if (args['cache-dir']) paths.cacheDir = path.resolve(args['cache-dir']);
  // the network listeners' options and files are checked before anything starts
  const net = netListenOptions({ listenTcp: args['listen-tcp'], authTcp: args['auth-tcp'], listenTls: args['listen-tls'], tlsDir: args['tls-dir'], tlsAllowedDn: args['tls-allowed-dn'] });
  if (args['tls-dir']) RpcClient.defaultTls = clientTlsFromDir(args['tls-dir']);
  if (args['migration-host']) MigrationService.defaultHost = args['migration-host'];
  const daemon = await startDaemon(paths, { kvmProbe: !args['no-kvm-probe'], listenHttp: args['listen-http'], listenMetrics: args['listen-metrics'], libvirtCompatSockets: args['libvirt-compat-sockets'], net });
  if (args.pidfile) {
    await fs.mkdir(path.dirname(args.pidfile), { recursive: true });
    await fs.writeFile(args.pidfile, `${process.pid}\n`);
  }
  const stop = async (signal: NodeJS.Signals) => {
    // Running domains keep running: a restarted tsvirtd re-attaches to them.
    const running = daemon.service.registry.all().filter((e) => e.vm).length;
    daemon.log.info(`${signal}: stopping; ${running} running domain${running === 1 ? '' : 's'} left running`);
    await daemon.close();
    daemon.log.info('stopped');
    if (args.pidfile) await fs.rm(args.pidfile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((e) => {
    process.stderr.write(`tsvirtd: ${toTsvirtError(e).message}\n`);
    process.exit(1);
  });
}
