// Peer-to-peer migration (virsh migrate --p2p, tsvirt migrate): the source daemon itself
// connects to the destination daemon with libvirt's protocol and runs the same five steps
// virsh runs without --p2p (libvirt's qemuMigrationSrcPerformPeer2Peer3): begin here,
// prepare there, perform here, finish there, confirm here. A failure after prepare always
// reaches finish (cancelled) there and confirm (cancelled) here.
import type { TypedParam } from '../protocol/libvirt/remote-types.js';
import { TypedParamType } from '../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../util/errors.js';
import { RpcClient } from './libvirt/rpc-client.js';
import type { MigrationService } from './migration-service.js';

export interface P2pOptions {
  destUri: string;
  uri?: string;
  listenAddress?: string;
  dname?: string;
  xml?: string;
  live?: boolean;
  persistent?: boolean;
  undefineSource?: boolean;
  autoConverge?: boolean;
  bandwidth?: number;
  paused?: boolean;
  copyStorageAll?: boolean;
}

// VIR_MIGRATE_* bits the destination reads
const LIVE = 1;
const PERSIST_DEST = 8;
const PAUSED = 32;
const NON_SHARED_DISK = 64;
/** as libvirt's keepalive: a question every 5 s, and no answer for 30 s means the peer is gone */
const PROBE_EVERY_MS = 5000;
const PROBE_DEADLINE_MS = 30_000;

const str = (field: string, value: string): TypedParam => ({ field, value: { type: TypedParamType.STRING, value } });

/** the destination's host in a libvirt URI (qemu+tcp://HOST[:PORT]/system), if it has one */
function uriHost(uri: string): string | undefined {
  try {
    const h = new URL(uri).hostname.replace(/^\[|\]$/g, '');
    return h || undefined;
  } catch {
    return undefined;
  }
}

export async function migrateP2p(migrations: MigrationService, ref: string, o: P2pOptions): Promise<void> {
  const begun = await migrations.begin(ref, { xml: o.xml, dname: o.dname, copyStorage: o.copyStorageAll });
  const client = await RpcClient.connect(o.destUri).catch((e: Error) => {
    throw new TsvirtError('operation-failed', `operation failed: Failed to connect to remote libvirt URI ${o.destUri}: ${e.message}`);
  });
  try {
    const flags = (o.live ? LIVE : 0) | (o.persistent ? PERSIST_DEST : 0) | (o.paused ? PAUSED : 0) | (o.copyStorageAll ? NON_SHARED_DISK : 0);
    // without --migrateuri the stream goes to the address the destination was reached at
    const streamUri = o.uri ?? (uriHost(o.destUri) ? `tcp://${uriHost(o.destUri)}` : undefined);
    const params: TypedParam[] = [str('destination_xml', begun.xml)];
    if (streamUri) params.push(str('migrate_uri', streamUri));
    if (o.listenAddress) params.push(str('listen_address', o.listenAddress));
    if (o.dname) params.push(str('destination_name', o.dname));
    const prep = await client.call('DOMAIN_MIGRATE_PREPARE3_PARAMS', { params, cookie_in: begun.cookie, flags });
    if (!prep.uri_out) throw new TsvirtError('internal-error', 'the destination did not answer a migration URI');
    let failure: unknown;
    // the destination daemon gone (killed, network down): no finish can follow, so stop now
    let lost = false;
    // a closed socket is seen at once; a peer whose host vanished (no FIN, no RST) only by
    // asking it something now and then
    let probing = false;
    let lastAnswer = Date.now();
    let lastProbe = Date.now();
    const loseIt = () => {
      if (lost) return;
      lost = true;
      migrations.abortOutgoing(ref, `lost connection to ${o.destUri}`);
    };
    const watch = setInterval(() => {
      if (lost) return;
      if (client.isClosed || Date.now() - lastAnswer > PROBE_DEADLINE_MS) return loseIt();
      if (probing || Date.now() - lastProbe < PROBE_EVERY_MS) return;
      probing = true;
      lastProbe = Date.now();
      client.call('CONNECT_GET_LIB_VERSION', undefined).then(() => { lastAnswer = Date.now(); }, loseIt).finally(() => { probing = false; });
    }, 200);
    try {
      await migrations.perform(ref, { uri: prep.uri_out, live: o.live, autoConverge: o.autoConverge, bandwidth: o.bandwidth, copyStorage: o.copyStorageAll, cookie: prep.cookie_out });
    } catch (e) {
      failure = lost ? new TsvirtError('operation-failed', `operation failed: Lost connection to destination host`) : e;
    } finally {
      clearInterval(watch);
    }
    let finished = failure === undefined;
    // a lost destination answers nothing: asking it to finish would wait for ever
    if (!lost) try {
      const name = o.dname ?? (JSON.parse(begun.cookie.toString('utf8')) as { name: string }).name;
      const finishParams = [...params.filter((p) => p.field !== 'destination_name'), str('destination_name', name)];
      await client.call('DOMAIN_MIGRATE_FINISH3_PARAMS', { params: finishParams, cookie_in: prep.cookie_out, flags, cancelled: failure === undefined ? 0 : 1 });
    } catch (e) {
      failure ??= e;
      finished = false;
    }
    await migrations.confirm(ref, { cancelled: !finished, undefineSource: o.undefineSource });
    if (failure !== undefined) throw failure;
  } finally {
    await client.close();
  }
}
