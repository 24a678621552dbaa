// undefine and the TPM emulator's state (libvirt's qemuExtTPMCleanupHost): removed with the
// definition, unless --keep-tpm, or the backend has persistent_state='yes' and --tpm is not given.
import { promises as fs } from 'node:fs';
import type { Domain } from '../conf/domain-types.js';
import { swtpmDomainDir, type SwtpmDirs } from '../qemu/swtpm.js';
import { TsvirtError } from '../util/errors.js';

export interface TpmUndefineFlags { tpm?: boolean; keepTpm?: boolean }

export function checkTpmFlags(f: TpmUndefineFlags): void {
  if (f.tpm && f.keepTpm) throw new TsvirtError('invalid-arg', 'cannot use VIR_DOMAIN_UNDEFINE_TPM and VIR_DOMAIN_UNDEFINE_KEEP_TPM together');
}

/** Removes <stateDir>/<uuid> when the flags and the definition say so; a domain without an emulator TPM is left alone. */
export async function removeTpmState(def: Domain, dirs: SwtpmDirs | undefined, f: TpmUndefineFlags): Promise<void> {
  const emulators = (def.devices.tpms ?? []).filter((t) => t.backend.type === 'emulator');
  if (!dirs || emulators.length === 0 || f.keepTpm) return;
  if (!f.tpm && emulators.every((t) => t.backend.persistentState)) return;
  const dir = swtpmDomainDir(dirs, def.uuid);
  try {
    await fs.rm(dir, { recursive: true, force: true });
  } catch (e) {
    throw new TsvirtError('system-error', `Cannot delete the TPM state of domain '${def.name}' in '${dir}': ${(e as Error).message}`);
  }
}
