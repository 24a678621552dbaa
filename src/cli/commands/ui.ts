// tsvirt ui: a one-time login link for the web UI served by tsvirtd --listen-http.
import { printJson } from '../format.js';
import type { CommandDef } from '../types.js';

export const uiCommand: CommandDef = {
  name: 'ui',
  group: 'host',
  summary: 'print a one-time login link for the web UI',
  description: 'Asks tsvirtd (started with --listen-http HOST:PORT) for a login token and prints the URL to open. The link works once, within 5 minutes.',
  opts: [],
  json: true,
  handler: async (ctx, args) => {
    const c = await ctx.client();
    const r = await c.call('ui.createLoginToken', {});
    ctx.out(args.bool('json') ? printJson(r) : `${r.url}\n`);
  },
};
