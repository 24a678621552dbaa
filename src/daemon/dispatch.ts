// Turns one API call (method name + JSON params) into one handler call, after
// checking the method exists, the params match its schema, and the socket may call it.
import type * as z from '../protocol/schema.js';
import { methods, isMethodName, type MethodName, type ResultOf } from '../protocol/methods.js';
import { TsvirtError } from '../util/errors.js';

export type Handlers = {
  [M in MethodName]: (params: z.output<(typeof methods)[M]['params']>) => Promise<ResultOf<M>> | ResultOf<M>;
};

export interface CallContext {
  readonly: boolean;
}

export async function dispatch(handlers: Handlers, name: string, params: unknown, ctx: CallContext): Promise<unknown> {
  if (!isMethodName(name)) throw new TsvirtError('no-support', `unknown API method '${name}'`);
  const def = methods[name];
  if (ctx.readonly && !def.readonly) {
    throw new TsvirtError('operation-denied', `operation forbidden: read only access prevents ${name}`);
  }
  const parsed = def.params.safeParse(params ?? {});
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
    throw new TsvirtError('invalid-arg', `invalid parameters for ${name}: ${why}`);
  }
  const handler = handlers[name] as (p: unknown) => unknown;
  return handler(parsed.data);
}
