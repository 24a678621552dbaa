// The qemu: namespace on the command line: <qemu:override> frontend properties merged into the
// -device of that alias, <qemu:deprecation> as -compat, and <qemu:arg> values appended last (as
// libvirt does); <qemu:env> goes into QEMU's environment (qemuNamespaceEnv, used by the spawn).
import { TsvirtError } from '../util/errors.js';
import type { Domain } from '../conf/domain-types.js';

const DEPRECATION: Record<string, string | undefined> = {
  none: undefined,
  omit: 'deprecated-output=hide',
  reject: 'deprecated-output=hide,deprecated-input=reject',
  crash: 'deprecated-output=hide,deprecated-input=crash',
};

/** Applies the namespace to a finished argv (without the binary). */
export function applyQemuNamespace(argv: string[], dom: Domain): string[] {
  const ns = dom.qemuNs;
  if (!ns) return argv;
  const out = [...argv];
  for (const o of ns.overrides) {
    if (o.frontend.length === 0) continue;
    const i = out.findIndex((v, j) => out[j - 1] === '-device' && v.startsWith('{') && (JSON.parse(v) as { id?: string }).id === o.alias);
    if (i < 0) throw new TsvirtError('config-unsupported', `qemu:override: no device with alias '${o.alias}' on the command line`);
    const props = JSON.parse(out[i]) as Record<string, unknown>;
    for (const p of o.frontend) {
      if (p.type === 'remove') delete props[p.name];
      else if (p.type === 'string') props[p.name] = p.value;
      else if (p.type === 'bool') props[p.name] = p.value === 'true';
      else props[p.name] = Number(p.value);
    }
    out[i] = JSON.stringify(props);
  }
  if (ns.deprecation !== undefined) {
    if (!(ns.deprecation in DEPRECATION)) throw new TsvirtError('config-unsupported', `Unsupported deprecation behavior '${ns.deprecation}'`);
    const compat = DEPRECATION[ns.deprecation];
    if (compat) out.push('-compat', compat);
  }
  out.push(...ns.args);
  return out;
}

/** Extra environment variables for the QEMU process (<qemu:env>). */
export function qemuNamespaceEnv(dom: Domain): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of dom.qemuNs?.env ?? []) env[e.name] = e.value ?? '';
  return env;
}
