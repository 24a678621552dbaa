// The object references of libvirt's protocol (name + 16-byte UUID, + id for domains)
// to and from the API's summaries and refs.
import type { DomainSummary } from '../../protocol/types.js';
import type { NonnullDomain } from '../../protocol/libvirt/remote-types.js';

export function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  return b.length === 16 ? b : Buffer.alloc(16);
}

export function uuidString(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function wireDomain(d: Pick<DomainSummary, 'name' | 'uuid' | 'id'>): NonnullDomain {
  return { name: d.name, uuid: uuidBytes(d.uuid), id: d.id ?? -1 };
}

/** the API ref of a domain the client names: its UUID (the name may have changed) */
export function domRef(d: NonnullDomain): string {
  return uuidString(d.uuid);
}
