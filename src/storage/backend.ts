// What a pool type implements. The storage service (src/daemon/storage-service.ts) holds
// state and locks; a backend only touches the host for one pool at a time.
import type { StoragePool } from '../conf/pool-xml.js';
import type { StorageVolume, VolumeFormat } from '../conf/volume-xml.js';

export interface PoolStats {
  capacity: number;
  allocation: number;
  available: number;
}

/** Reports done/total bytes (or a fraction with total 1) of long work. */
export type ProgressFn = (done: number, total: number) => void;

export interface VolumeSource {
  path: string;
  format: VolumeFormat;
  capacity: number;
}

export interface PoolBackend {
  /** creates what the pool lives on (folder; volume group); `overwrite` may wipe existing data */
  build(pool: StoragePool, overwrite: boolean): Promise<void>;
  /** checks the pool can be used and makes it ready */
  start(pool: StoragePool): Promise<void>;
  stop(pool: StoragePool): Promise<void>;
  /** removes what build created */
  delete(pool: StoragePool): Promise<void>;
  stats(pool: StoragePool): Promise<PoolStats>;
  /** every volume, with key, path, capacity and allocation filled */
  listVolumes(pool: StoragePool): Promise<StorageVolume[]>;
  volumePath(pool: StoragePool, name: string): string;
  /** one volume by name, or undefined when there is none (cheaper than listVolumes) */
  getVolume(pool: StoragePool, name: string): Promise<StorageVolume | undefined>;
  /** creates `vol` (already named and checked), empty or as a copy of `from` */
  createVolume(pool: StoragePool, vol: StorageVolume, from?: VolumeSource, progress?: ProgressFn): Promise<void>;
  deleteVolume(pool: StoragePool, vol: StorageVolume): Promise<void>;
  /** renames volume `from` to `to`, replacing `to` when it exists (a write under a temporary name ends so) */
  renameVolume(pool: StoragePool, from: string, to: string): Promise<void>;
  resizeVolume(pool: StoragePool, vol: StorageVolume, bytes: number, shrink: boolean): Promise<void>;
  wipeVolume(pool: StoragePool, vol: StorageVolume, progress?: ProgressFn): Promise<void>;
}
