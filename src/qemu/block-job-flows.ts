// The QEMU side of virsh blockcopy / blockcommit / blockpull: which node a guest disk reads,
// the image chain below a node (for the live XML's <backingStore>), making and opening a
// copy's destination as libvirt-N nodes, and dropping nodes a finished job left unused.
import type { BackingStore, Disk } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { runOk } from '../util/spawn.js';
import { blockdevNodes, diskAlias } from './argv-disk.js';
import * as qmp from './qmp-commands.js';
import { queryNamedBlockNodes, type QmpNamedNode } from './qmp-block-jobs.js';
import type { QmpMonitor } from './qmp-monitor.js';

/** The format node of the image a guest disk reads (below its throttle / copy-on-read filters). */
export async function diskFormatNodeOf(mon: QmpMonitor, disk: Disk): Promise<string> {
  const id = disk.alias ?? diskAlias(disk);
  const blocks = await qmp.queryBlock(mon);
  const mine = blocks.find((b) => b.qdev === id || b.qdev?.includes(`/peripheral/${id}/`) || b.qdev?.endsWith(`/peripheral/${id}`));
  const top = mine?.inserted?.['node-name'];
  if (!top) throw new TsvirtError('operation-invalid', `disk '${disk.target.dev}' has no medium`);
  const m = /^(libvirt-\d+)-(throttle|cor)$/.exec(top);
  return m ? `${m[1]}-format` : top;
}

interface ImageInfo { filename: string; format: string; 'virtual-size'?: number; 'backing-image'?: ImageInfo }

async function nodeNamed(mon: QmpMonitor, node: string): Promise<QmpNamedNode> {
  const n = (await queryNamedBlockNodes(mon)).find((x) => x['node-name'] === node);
  if (!n) throw new TsvirtError('internal-error', `block node '${node}' not found in QEMU`);
  return n;
}

/** The images of a node's chain, top first: path and format of each. */
export async function imageChain(mon: QmpMonitor, node: string): Promise<Array<{ path: string; format: string; size: number }>> {
  const out: Array<{ path: string; format: string; size: number }> = [];
  for (let i: ImageInfo | undefined = (await nodeNamed(mon, node)).image as ImageInfo | undefined; i; i = i['backing-image']) {
    out.push({ path: i.filename, format: i.format, size: i['virtual-size'] ?? 0 });
  }
  return out;
}

/** libvirt's live <backingStore> for the images below the top one (ends with the empty terminator). */
export function backingStoreOf(chain: Array<{ path: string; format: string }>): BackingStore {
  let b: BackingStore = {};
  for (let i = chain.length - 1; i >= 1; i--) b = { type: 'file', format: chain[i].format, source: { file: chain[i].path }, backingStore: b, index: i };
  return b;
}

/** The format node (of those in the chain below `top`) whose image is `path`. */
export async function nodeOfImage(mon: QmpMonitor, path: string): Promise<string | undefined> {
  const nodes = await queryNamedBlockNodes(mon);
  // not the storage node below it, nor a job's filter above it (mirror_top, commit_top)
  const skip = new Set(['file', 'host_device', 'host_cdrom', 'mirror_top', 'commit_top', 'copy-on-read', 'throttle']);
  return nodes.find((n) => !skip.has(n.drv) && (n.file === path || n.image?.filename === path))?.['node-name'];
}

/** The next free libvirt-N node index (as hot-plug counts them). */
export async function nextNodeIndex(mon: QmpMonitor, disks: number): Promise<number> {
  let max = disks;
  for (const n of await queryNamedBlockNodes(mon)) {
    const m = /^libvirt-(\d+)-/.exec(n['node-name']);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

export interface CopyTarget { path: string; format: string; blockdev: boolean }

/**
 * Makes the destination image (unless reused): the whole chain in one image, or with
 * `shallow` an image whose backing is the source's backing image. libvirt's words when the
 * file cannot be made.
 */
export async function createCopyTarget(t: CopyTarget, chain: Array<{ path: string; format: string; size: number }>, shallow: boolean): Promise<void> {
  const backing = shallow ? chain[1] : undefined;
  const args = ['create', '-q', '-f', t.format];
  if (backing) args.push('-u', '-F', backing.format, '-b', backing.path);
  args.push(t.path, String(chain[0].size));
  try {
    await runOk('qemu-img', args);
  } catch (e) {
    const why = /No such file or directory/.test((e as Error).message) ? 'No such file or directory'
      : /Permission denied/.test((e as Error).message) ? 'Permission denied' : (e as Error).message;
    throw new TsvirtError('system-error', `cannot create file '${t.path}': ${why}`);
  }
}

/**
 * blockdev-add of the destination as libvirt-<index>-storage / -format. A full copy gets no
 * backing (the mirror fills it all); a shallow one opens the backing by the source's node.
 */
export async function openCopyTarget(mon: QmpMonitor, index: number, t: CopyTarget, backingNode: string | null): Promise<string[]> {
  const [storage, format] = blockdevNodes(`libvirt-${index}`, t.path, { readOnly: false, format: t.format, hostDevice: t.blockdev });
  if (['qcow2', 'qcow', 'qed', 'vmdk'].includes(String(format.driver))) format.backing = backingNode;
  await qmp.blockdevAdd(mon, storage);
  try {
    await qmp.blockdevAdd(mon, format);
  } catch (e) {
    await qmp.blockdevDel(mon, String(storage['node-name'])).catch(() => undefined);
    throw e;
  }
  return [String(format['node-name']), String(storage['node-name'])];
}

/** blockdev-del of nodes no longer used, top first (the format node, then its storage); errors ignored. */
export async function dropNodes(mon: QmpMonitor, nodes: string[]): Promise<void> {
  for (const n of nodes) await qmp.blockdevDel(mon, n).catch(() => undefined);
}

/** The format and storage nodes of a libvirt-N(-bK)-format node (they go together). */
export function nodePair(formatNode: string): string[] {
  const m = /^(libvirt-\d+(?:-b\d+)?)-format$/.exec(formatNode);
  return m ? [formatNode, `${m[1]}-storage`] : [formatNode];
}
