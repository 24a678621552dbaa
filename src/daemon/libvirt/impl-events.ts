// Event callbacks of libvirt's protocol. A client registers callbacks (per object kind and
// event id, optionally for one object); each becomes a subscription to the daemon's event
// bus, which relays the events it has as libvirt's messages: domain lifecycle,
// device-removed and block job (1 and 2), agent lifecycle, network lifecycle, storage pool lifecycle and refresh. Every other event
// id registers fine and simply never fires, as on a libvirtd whose driver never raises that
// event. Subscriptions end with their deregister call or with the connection.
import { EVENT_NUMBER, eventDetailNumber } from '../../protocol/libvirt/enums.js';
import {
  DOMAIN_EVENT_ID_AGENT_LIFECYCLE, DOMAIN_EVENT_ID_DEVICE_REMOVED, DOMAIN_EVENT_ID_LIFECYCLE, EVENT_ID_LAST, LEGACY_DOMAIN_EVENT_ID_MAX, NETWORK_EVENT_ID_LIFECYCLE,
  STORAGE_POOL_EVENT_ID_LIFECYCLE, STORAGE_POOL_EVENT_ID_REFRESH, eventMessages,
} from '../../protocol/libvirt/procs-events.js';
import { NETWORK_EVENTS, POOL_EVENTS, type TsvirtEvent } from '../../protocol/types.js';
import type { XdrType } from '../../protocol/libvirt/xdr.js';
import { TsvirtError } from '../../util/errors.js';
import type { RpcConnection } from './rpc-connection.js';
import type { Impls, RpcContext } from './rpc-impl.js';
import { uuidBytes, uuidString, wireDomain } from './rpc-ids.js';
import { DOMAIN_EVENT_ID_BLOCK_JOB, DOMAIN_EVENT_ID_BLOCK_JOB_2, blockJobMessages } from '../../protocol/libvirt/procs-blockjob.js';
import { BLOCK_JOB_TYPE } from './impl-blockjob.js';

/** virConnectDomainEventBlockJobStatus */
const BLOCK_JOB_STATUS = { completed: 0, failed: 1, canceled: 2, ready: 3 } as const;

type Kind = keyof typeof EVENT_ID_LAST;

/** how the client registered: the message it expects differs */
type Style = 'legacy' | 'callback';

interface Callback {
  kind: Kind;
  eventID: number;
  style: Style;
  /** the one object the client asked about: a UUID, or a node device's name */
  only?: string;
  unsubscribe?: () => void;
}

class ConnectionEvents {
  readonly callbacks = new Map<number, Callback>();
  private nextId = 1;

  constructor(private readonly conn: RpcConnection) {
    conn.onClose(() => {
      for (const cb of this.callbacks.values()) cb.unsubscribe?.();
      this.callbacks.clear();
    });
  }

  add(cb: Callback, ctx: RpcContext): number {
    const id = this.nextId++;
    this.callbacks.set(id, cb);
    const relay = relayOf(cb, id);
    // events start after the reply, so the client knows the callback id before its first message
    if (relay) {
      ctx.afterReply(() => {
        if (this.callbacks.get(id) !== cb || this.conn.isClosed) return;
        cb.unsubscribe = this.conn.deps.events.subscribe((ev) => relay(this.conn, ev));
      });
    }
    return id;
  }

  remove(id: number): void {
    this.callbacks.get(id)?.unsubscribe?.();
    this.callbacks.delete(id);
  }

  /** the first callback of a kind and event id, whatever its style (libvirtd looks them up so) */
  find(kind: Kind, eventID: number): number | undefined {
    for (const [id, cb] of this.callbacks) if (cb.kind === kind && cb.eventID === eventID) return id;
    return undefined;
  }
}

const perConnection = new WeakMap<RpcConnection, ConnectionEvents>();

function eventsOf(conn: RpcConnection): ConnectionEvents {
  let e = perConnection.get(conn);
  if (!e) perConnection.set(conn, (e = new ConnectionEvents(conn)));
  return e;
}

/** libvirt's virConnectDomainEventAgentLifecycleState and ...Reason */
const AGENT_STATE = { connected: 1, disconnected: 2 } as const;
const AGENT_REASON = { unknown: 0, 'domain-started': 1, channel: 2 } as const;

type Relay = (conn: RpcConnection, ev: TsvirtEvent) => void;
type Msg<T> = { num: number; body: XdrType<T> };

/** how a callback turns bus events into messages; undefined when tsvirt has no such event */
function relayOf(cb: Callback, callbackID: number): Relay | undefined {
  const mine = (uuid: string) => cb.only === undefined || uuid === cb.only;
  const wireObject = (o: { name: string; uuid: string }) => ({ name: o.name, uuid: uuidBytes(o.uuid) });
  /** domain events: "any"-style callbacks get the message without a callback id */
  const domainSend = <T>(legacy: Msg<T>, withId: Msg<{ callbackID: number; msg: T }>) =>
    (conn: RpcConnection, msg: T) => {
      if (cb.style === 'legacy') conn.sendMessage(legacy.num, legacy.body, msg);
      else conn.sendMessage(withId.num, withId.body, { callbackID, msg });
    };
  if (cb.kind === 'domain' && cb.eventID === DOMAIN_EVENT_ID_LIFECYCLE) {
    const send = domainSend(eventMessages.DOMAIN_EVENT_LIFECYCLE, eventMessages.DOMAIN_EVENT_CALLBACK_LIFECYCLE);
    return (conn, ev) => {
      if (ev.type !== 'lifecycle' || !mine(ev.domain.uuid)) return;
      send(conn, { dom: wireDomain(ev.domain), event: EVENT_NUMBER[ev.event], detail: eventDetailNumber(ev.event, ev.detail) });
    };
  }
  if (cb.kind === 'domain' && cb.eventID === DOMAIN_EVENT_ID_DEVICE_REMOVED) {
    const send = domainSend(eventMessages.DOMAIN_EVENT_DEVICE_REMOVED, eventMessages.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED);
    return (conn, ev) => {
      if (ev.type === 'device-removed' && mine(ev.domain.uuid)) send(conn, { dom: wireDomain(ev.domain), devAlias: ev.alias });
    };
  }
  if (cb.kind === 'domain' && cb.eventID === DOMAIN_EVENT_ID_AGENT_LIFECYCLE) {
    // only the callback style exists for it (id 18 is past the "any" style's last)
    const m = eventMessages.DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE;
    return (conn, ev) => {
      if (ev.type !== 'agent-lifecycle' || !mine(ev.domain.uuid)) return;
      conn.sendMessage(m.num, m.body, { callbackID, dom: wireDomain(ev.domain), state: AGENT_STATE[ev.state], reason: AGENT_REASON[ev.reason] });
    };
  }
  if (cb.kind === 'domain' && (cb.eventID === DOMAIN_EVENT_ID_BLOCK_JOB || cb.eventID === DOMAIN_EVENT_ID_BLOCK_JOB_2)) {
    const send = domainSend(blockJobMessages.DOMAIN_EVENT_BLOCK_JOB, blockJobMessages.DOMAIN_EVENT_CALLBACK_BLOCK_JOB);
    const m2 = blockJobMessages.DOMAIN_EVENT_BLOCK_JOB_2;
    return (conn, ev) => {
      if (ev.type !== 'block-job' || !mine(ev.domain.uuid)) return;
      const type = BLOCK_JOB_TYPE[ev.job];
      const status = BLOCK_JOB_STATUS[ev.status];
      if (cb.eventID === DOMAIN_EVENT_ID_BLOCK_JOB) send(conn, { dom: wireDomain(ev.domain), path: ev.path, type, status });
      else conn.sendMessage(m2.num, m2.body, { callbackID, dom: wireDomain(ev.domain), dst: ev.disk, type, status });
    };
  }
  if (cb.kind === 'network' && cb.eventID === NETWORK_EVENT_ID_LIFECYCLE) {
    const m = eventMessages.NETWORK_EVENT_LIFECYCLE;
    return (conn, ev) => {
      if (ev.type !== 'network' || !mine(ev.network.uuid)) return;
      // libvirt's network events have no detail: always 0
      conn.sendMessage(m.num, m.body, { callbackID, net: wireObject(ev.network), event: NETWORK_EVENTS.indexOf(ev.event), detail: 0 });
    };
  }
  if (cb.kind === 'storagePool' && cb.eventID === STORAGE_POOL_EVENT_ID_LIFECYCLE) {
    const m = eventMessages.STORAGE_POOL_EVENT_LIFECYCLE;
    return (conn, ev) => {
      if (ev.type !== 'pool' || !mine(ev.pool.uuid)) return;
      conn.sendMessage(m.num, m.body, { callbackID, pool: wireObject(ev.pool), event: POOL_EVENTS.indexOf(ev.event), detail: 0 });
    };
  }
  if (cb.kind === 'storagePool' && cb.eventID === STORAGE_POOL_EVENT_ID_REFRESH) {
    const m = eventMessages.STORAGE_POOL_EVENT_REFRESH;
    return (conn, ev) => {
      if (ev.type === 'pool-refresh' && mine(ev.pool.uuid)) conn.sendMessage(m.num, m.body, { callbackID, pool: wireObject(ev.pool) });
    };
  }
  return undefined;
}

const WORDS: Record<Kind, string> = { domain: '', network: 'network ', storagePool: 'storage pool ', nodeDevice: 'node device ', secret: 'secret ' };

function checkId(kind: Kind, eventID: number, last: number = EVENT_ID_LAST[kind]): void {
  if (eventID < 0 || eventID >= last) throw new TsvirtError('internal-error', `unsupported ${WORDS[kind]}event ID ${eventID}`);
}

function register(kind: Kind, eventID: number, only: string | undefined, ctx: RpcContext): { callbackID: number } {
  checkId(kind, eventID);
  return { callbackID: eventsOf(ctx.conn).add({ kind, eventID, style: 'callback', only }, ctx) };
}

function deregister(kind: Kind, callbackID: number, ctx: RpcContext): void {
  const e = eventsOf(ctx.conn);
  if (e.callbacks.get(callbackID)?.kind !== kind) {
    throw new TsvirtError('internal-error', `${kind === 'domain' ? 'domain ' : WORDS[kind]}event callback ${callbackID} not registered`);
  }
  e.remove(callbackID);
}

/** the older styles: one callback per event id, found again by the id */
function deregisterLegacy(eventID: number, ctx: RpcContext): void {
  const e = eventsOf(ctx.conn);
  const id = e.find('domain', eventID);
  if (id === undefined) throw new TsvirtError('internal-error', `domain event ${eventID} not registered`);
  e.remove(id);
}

// A filter names its object by UUID (by name for node devices). libvirtd does not look the
// object up either: a callback for an object that does not exist yet is allowed.
export const eventImpls: Impls = {
  CONNECT_DOMAIN_EVENT_REGISTER: (_a, ctx) => {
    eventsOf(ctx.conn).add({ kind: 'domain', eventID: DOMAIN_EVENT_ID_LIFECYCLE, style: 'legacy' }, ctx);
    return { cb_registered: 1 };
  },
  CONNECT_DOMAIN_EVENT_DEREGISTER: (_a, ctx) => {
    deregisterLegacy(DOMAIN_EVENT_ID_LIFECYCLE, ctx);
    return { cb_registered: 0 };
  },
  CONNECT_DOMAIN_EVENT_REGISTER_ANY: ({ eventID }, ctx) => {
    checkId('domain', eventID, LEGACY_DOMAIN_EVENT_ID_MAX + 1);
    eventsOf(ctx.conn).add({ kind: 'domain', eventID, style: 'legacy' }, ctx);
  },
  CONNECT_DOMAIN_EVENT_DEREGISTER_ANY: ({ eventID }, ctx) => {
    checkId('domain', eventID, LEGACY_DOMAIN_EVENT_ID_MAX + 1);
    deregisterLegacy(eventID, ctx);
  },
  CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: ({ eventID, dom }, ctx) => register('domain', eventID, dom ? uuidString(dom.uuid) : undefined, ctx),
  CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY: ({ callbackID }, ctx) => deregister('domain', callbackID, ctx),
  CONNECT_NETWORK_EVENT_REGISTER_ANY: ({ eventID, net }, ctx) => register('network', eventID, net ? uuidString(net.uuid) : undefined, ctx),
  CONNECT_NETWORK_EVENT_DEREGISTER_ANY: ({ callbackID }, ctx) => deregister('network', callbackID, ctx),
  CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY: ({ eventID, pool }, ctx) => register('storagePool', eventID, pool ? uuidString(pool.uuid) : undefined, ctx),
  CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY: ({ callbackID }, ctx) => deregister('storagePool', callbackID, ctx),
  CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY: ({ eventID, dev }, ctx) => register('nodeDevice', eventID, dev?.name, ctx),
  CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY: ({ callbackID }, ctx) => deregister('nodeDevice', callbackID, ctx),
  CONNECT_SECRET_EVENT_REGISTER_ANY: ({ eventID, secret }, ctx) => register('secret', eventID, secret ? uuidString(secret.uuid) : undefined, ctx),
  CONNECT_SECRET_EVENT_DEREGISTER_ANY: ({ callbackID }, ctx) => deregister('secret', callbackID, ctx),
};
