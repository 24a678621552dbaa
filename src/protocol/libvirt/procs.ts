// A procedure of libvirt's REMOTE program: its number, the XDR type of its arguments and
// of its reply, and whether it opens a stream. Families are declared in procs-*.ts; this
// file gathers them into one table by number.
import { voidType, type XdrType } from './xdr.js';

export interface ProcDef<A = unknown, R = unknown> {
  readonly num: number;
  readonly args: XdrType<A>;
  readonly ret: XdrType<R>;
  /** the call opens a stream: 'read' carries data to the client, 'write' from it, 'both' a console */
  readonly stream?: 'read' | 'write' | 'both';
}

export function proc<A, R>(num: number, args: XdrType<A> | null, ret: XdrType<R> | null, stream?: ProcDef['stream']): ProcDef<A, R> {
  return { num, args: (args ?? voidType) as XdrType<A>, ret: (ret ?? voidType) as XdrType<R>, stream };
}

export type ArgsOf<P> = P extends ProcDef<infer A, unknown> ? A : never;
export type RetOf<P> = P extends ProcDef<unknown, infer R> ? R : never;
