// libvirt's QEMU save image (src/qemu/qemu_saveimage.h): a 92-byte header ("LibvirtQemudSave",
// version 2, data_len, was_running, format, cookieOffset, 14 unused words; host byte order,
// little endian here), then data_len bytes of data (the domain XML and a cookie, each ended
// by NUL, zero padded), then QEMU's migration stream. While the file is being written its
// magic is "LibvirtQemudPart", so a half-written file is never taken for a save image.
import { promises as fs } from 'node:fs';
import { TsvirtError } from '../util/errors.js';

export const SAVE_MAGIC = 'LibvirtQemudSave';
export const SAVE_PARTIAL = 'LibvirtQemudPart';
export const SAVE_VERSION = 2;
export const HEADER_SIZE = 16 + 4 * 19;
/** libvirt pads the data so QEMU's stream starts at a multiple of this (QEMU_MONITOR_MIGRATE_TO_FILE_BS) */
const ALIGN = 512;
/** format 0: raw, the only one tsvirt writes (gzip, bzip2, xz, lzop, zstd need a helper program) */
const FORMATS = ['raw', 'gzip', 'bzip2', 'xz', 'lzop', 'zstd'];

export interface SaveImageHeader {
  xml: string;
  /** the guest ran when it was saved: restore runs it again unless told otherwise */
  wasRunning: boolean;
  cookie?: string;
  format?: number;
  /** where QEMU's stream starts in the file */
  streamOffset: number;
}

/** Header and data of a save image, the stream to follow at a multiple of 512 bytes. */
export function encodeSaveHeader(o: { xml: string; wasRunning: boolean; cookie?: string; partial?: boolean }): Buffer {
  const xml = Buffer.from(o.xml + '\0', 'utf8');
  const cookie = o.cookie !== undefined ? Buffer.from(o.cookie + '\0', 'utf8') : Buffer.alloc(0);
  const used = HEADER_SIZE + xml.length + cookie.length;
  const pad = 1024 + ((ALIGN - ((used + 1024) % ALIGN)) % ALIGN); // libvirt leaves room to edit the XML later
  const dataLen = xml.length + cookie.length + pad;
  const out = Buffer.alloc(HEADER_SIZE + dataLen);
  out.write(o.partial ? SAVE_PARTIAL : SAVE_MAGIC, 0, 'latin1');
  out.writeUInt32LE(SAVE_VERSION, 16);
  out.writeUInt32LE(dataLen, 20);
  out.writeUInt32LE(o.wasRunning ? 1 : 0, 24);
  out.writeUInt32LE(0, 28);
  out.writeUInt32LE(cookie.length ? xml.length : 0, 32);
  xml.copy(out, HEADER_SIZE);
  cookie.copy(out, HEADER_SIZE + xml.length);
  return out;
}

function cString(buf: Buffer, start: number, end: number): string {
  const nul = buf.indexOf(0, start);
  return buf.toString('utf8', start, nul >= 0 && nul < end ? nul : end);
}

/** Reads and checks the header of `bytes` (at least the header and its data), with libvirt's errors. */
export function decodeSaveHeader(bytes: Buffer): SaveImageHeader {
  if (bytes.length < HEADER_SIZE) throw new TsvirtError('operation-failed', `failed to read qemu header`);
  const magic = bytes.toString('latin1', 0, 16);
  if (magic === SAVE_PARTIAL) throw new TsvirtError('operation-failed', `save image is incomplete`);
  if (magic !== SAVE_MAGIC) throw new TsvirtError('invalid-arg', `image magic is incorrect`);
  let version = bytes.readUInt32LE(16);
  let le = true;
  if (version > SAVE_VERSION && bytes.readUInt32BE(16) <= SAVE_VERSION) { le = false; version = bytes.readUInt32BE(16); } // written on a big-endian host
  const u32 = (off: number) => (le ? bytes.readUInt32LE(off) : bytes.readUInt32BE(off));
  if (version > SAVE_VERSION || version < 1) throw new TsvirtError('operation-failed', `image version is not supported (${version} > ${SAVE_VERSION})`);
  const dataLen = u32(20);
  const format = u32(28);
  if (dataLen <= 0 || dataLen > 10 * 1024 * 1024) throw new TsvirtError('operation-failed', `invalid XML length: ${dataLen}`);
  if (format >= FORMATS.length) throw new TsvirtError('operation-failed', `image format ${format} is not supported`);
  if (bytes.length < HEADER_SIZE + dataLen) throw new TsvirtError('operation-failed', `failed to read domain XML`);
  const end = HEADER_SIZE + dataLen;
  const cookieOffset = version >= 2 ? u32(32) : 0;
  const xml = cString(bytes, HEADER_SIZE, end);
  if (!xml.trim()) throw new TsvirtError('operation-failed', `failed to read domain XML`);
  const cookie = cookieOffset ? cString(bytes, HEADER_SIZE + cookieOffset, end) : undefined;
  return { xml, wasRunning: u32(24) !== 0, cookie, format, streamOffset: end };
}

/** Opens `path` and reads its header (clear errors for a missing, foreign or truncated file). */
export async function readSaveImage(path: string): Promise<SaveImageHeader & { size: number }> {
  const fh = await fs.open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new TsvirtError('system-error', `Failed to open domain image file '${path}': ${e.message}`);
  });
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(HEADER_SIZE);
    await fh.read(head, 0, HEADER_SIZE, 0);
    if (size < HEADER_SIZE) throw new TsvirtError('operation-failed', `failed to read qemu header`);
    const dataLen = Math.min(head.readUInt32LE(20), 10 * 1024 * 1024 + 1);
    const all = Buffer.alloc(Math.min(size, HEADER_SIZE + dataLen));
    await fh.read(all, 0, all.length, 0);
    const h = decodeSaveHeader(all);
    if (h.format) throw new TsvirtError('operation-unsupported', `save image format '${FORMATS[h.format]}' is not supported by tsvirt`);
    // QEMU's stream begins with its file magic "QEVM": anything else is not a complete image
    const magic = Buffer.alloc(4);
    const { bytesRead } = await fh.read(magic, 0, 4, h.streamOffset);
    if (bytesRead < 4 || magic.toString('latin1') !== 'QEVM') throw new TsvirtError('operation-failed', `save image '${path}' is truncated: no QEMU migration stream after the header`);
    return { ...h, size };
  } finally {
    await fh.close();
  }
}

/** Rewrites the XML of an existing image in place (save-image-define): it must fit the room the header left. */
export async function rewriteSaveImageXml(path: string, xml: string, wasRunning?: boolean): Promise<void> {
  const h = await readSaveImage(path);
  const bytes = encodeSaveHeader({ xml, wasRunning: wasRunning ?? h.wasRunning, cookie: h.cookie });
  const room = h.streamOffset;
  const needed = HEADER_SIZE + Buffer.byteLength(xml + '\0') + (h.cookie !== undefined ? Buffer.byteLength(h.cookie + '\0') : 0);
  if (needed > room) throw new TsvirtError('operation-failed', `new xml too large to fit in file`);
  const out = Buffer.alloc(room);
  bytes.copy(out, 0, 0, Math.min(bytes.length, room));
  out.writeUInt32LE(room - HEADER_SIZE, 20);
  const fh = await fs.open(path, 'r+');
  try {
    await fh.write(out, 0, room, 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
