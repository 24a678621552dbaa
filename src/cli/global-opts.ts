// tsvirt's own options before the command (virsh's getopt with "+": stop at the first word).
import { CliError } from './types.js';

export interface GlobalOpts {
  uri?: string;
  readonly: boolean;
  quiet: boolean;
  help: boolean;
  version: boolean;
  /** the command words (or one command string) after the options */
  rest: string[];
}

const WITH_ARG: Record<string, string> = {
  c: 'connect', d: 'debug', e: 'escape', k: 'keepalive-interval', K: 'keepalive-count', l: 'log',
};
const FLAGS: Record<string, keyof GlobalOpts | null> = { r: 'readonly', q: 'quiet', h: 'help', v: 'version', V: 'version', t: null };

export function parseGlobalOpts(argv: string[]): GlobalOpts {
  const g: GlobalOpts = { readonly: false, quiet: false, help: false, version: false, rest: [] };
  const setArg = (long: string, value: string) => {
    if (long === 'connect') g.uri = value;
    // debug, escape, keepalive and log are accepted for virsh compatibility and ignored
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { i++; break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const longs = Object.values(WITH_ARG);
      if (longs.includes(name)) {
        const short = Object.keys(WITH_ARG).find((k) => WITH_ARG[k] === name)!;
        let v: string | undefined = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new CliError(`option '-${short}'/'--${name}' requires an argument`);
        setArg(name, v);
      } else if (name === 'readonly' || name === 'quiet' || name === 'help' || name === 'version') {
        g[name] = true;
      } else if (name !== 'timing') {
        throw new CliError(`unsupported option '--${name}'. See --help.`);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j]!;
        if (ch in WITH_ARG) {
          const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          if (v === undefined) throw new CliError(`option '-${ch}'/'--${WITH_ARG[ch]}' requires an argument`);
          setArg(WITH_ARG[ch]!, v);
          break;
        }
        if (!(ch in FLAGS)) throw new CliError(`unsupported option '-${ch}'. See --help.`);
        const f = FLAGS[ch];
        if (f) (g as unknown as Record<string, boolean>)[f] = true;
      }
      continue;
    }
    break;
  }
  g.rest = argv.slice(i);
  return g;
}
