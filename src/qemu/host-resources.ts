// Host resources a domain needs before QEMU starts (taps, resolved volume paths,
// VFIO-bound devices...). Each driver (network, storage, node devices) provides one;
// the start sequence calls prepare() in its prepare-host phase and release() after
// QEMU is gone, also after a crash and after a tsvirtd restart (from the record kept
// in the status file).
import type { Domain } from '../conf/domain-types.js';
import type { UndoStack } from '../util/undo.js';

export interface PreparedResources {
  /** host file descriptors of taps, by interface index; passed to QEMU and closed here after spawn */
  tapFds?: Record<number, number>;
  /** paths of disks whose source is not a plain file or device (pool volumes), by disk index */
  resolvedDiskPaths?: Record<number, string>;
  /** kept in the status file, handed back to release() */
  record?: Record<string, string>;
  /** changes to the live definition (e.g. the tap name in <target dev=.../>) */
  adjustLive?: (live: Domain) => void;
}

export interface DomainResourceProvider {
  readonly name: string;
  /** Prepares what `def` needs; registers an undo step for each change it makes. */
  prepare(def: Domain, undo: UndoStack): Promise<PreparedResources>;
  /** Gives back what prepare() took. Must be safe to call twice. */
  release(def: Domain, record: Record<string, string>): Promise<void>;
  /**
   * The record keys that belong to the devices of `def`, so that one hot-unplugged
   * device can be given back at once (not only when the whole domain stops).
   */
  recordKeys?(def: Domain): string[];
}
