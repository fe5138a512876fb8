/**
 * Reading a submission's .zip without trusting it. The central directory is parsed here
 * (names, sizes, Unix modes) so that a bad archive is refused before anything is inflated:
 * an entry with an absolute path or a `..` component (zip slip), a symbolic link, an
 * encrypted entry, or sizes past the limits. Only the entries asked for are inflated, each
 * into a buffer of its declared size, so a zip bomb cannot take more memory than that.
 * Format: PKWARE's APPNOTE.TXT (sections 4.3.12, 4.3.16, 4.5.3 for zip64).
 */
import { inflateSync } from 'fflate';
import { showable } from './names';

export interface ZipEntry {
  /** The name as stored, with backslashes turned into slashes. */
  name: string;
  compressedSize: number;
  size: number;
  /** 0 stored, 8 deflated. */
  method: number;
  encrypted: boolean;
  symlink: boolean;
  directory: boolean;
  localHeaderOffset: number;
}

/** Why an archive was refused: `bad_zip` (not a zip, or damaged), `unsafe_zip` (it would write outside its folder), `too_large`. */
export class ZipProblem extends Error {
  constructor(
    readonly code: 'bad_zip' | 'unsafe_zip' | 'too_large',
    message: string,
  ) {
    super(message);
    this.name = 'ZipProblem';
  }
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const UNIX = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

function bad(message: string): never {
  throw new ZipProblem('bad_zip', message);
}

/** A little-endian reader that refuses to read past the end. */
function reader(data: Uint8Array) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const check = (at: number, n: number) => {
    if (at < 0 || at + n > data.length) bad('the archive is truncated');
  };
  return {
    u16: (at: number) => (check(at, 2), view.getUint16(at, true)),
    u32: (at: number) => (check(at, 4), view.getUint32(at, true)),
    u64: (at: number) => {
      check(at, 8);
      const v = view.getBigUint64(at, true);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad('a size or offset is out of range');
      return Number(v);
    },
  };
}

/** The central directory: every entry, validated for safety; more than `maxEntries` is refused before any is read. */
export function zipEntries(data: Uint8Array, { maxEntries = Infinity }: { maxEntries?: number } = {}): ZipEntry[] {
  const r = reader(data);
  if (data.length < 22) bad('not a zip archive (too short)');
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let at = data.length - 22; at >= Math.max(0, data.length - 22 - 65535); at--) {
    if (r.u32(at) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) bad('not a zip archive (no central directory)');
  let count = r.u16(eocd + 10);
  let offset = r.u32(eocd + 16);
  if (eocd >= 20 && r.u32(eocd - 20) === EOCD64_LOCATOR) {
    const at = r.u64(eocd - 12);
    if (r.u32(at) !== EOCD64) bad('damaged zip64 end record');
    count = r.u64(at + 32);
    offset = r.u64(at + 48);
  }
  if (count > maxEntries) throw new ZipProblem('too_large', `the archive has ${count} entries (at most ${maxEntries} are read)`);
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (r.u32(at) !== CENTRAL_HEADER) bad('damaged central directory');
    const madeBy = r.u16(at + 4) >> 8;
    const flags = r.u16(at + 8);
    const method = r.u16(at + 10);
    let compressedSize = r.u32(at + 20);
    let size = r.u32(at + 24);
    const nameLength = r.u16(at + 28);
    const extraLength = r.u16(at + 30);
    const commentLength = r.u16(at + 32);
    const external = r.u32(at + 38);
    let localHeaderOffset = r.u32(at + 42);
    if (at + 46 + nameLength > data.length) bad('the archive is truncated');
    const name = Buffer.from(data.subarray(at + 46, at + 46 + nameLength)).toString(flags & 0x800 ? 'utf8' : 'latin1');
    // zip64: the sizes that do not fit in 32 bits are in extra field 0x0001, in this order.
    if (compressedSize === 0xffffffff || size === 0xffffffff || localHeaderOffset === 0xffffffff) {
      let e = at + 46 + nameLength;
      const end = e + extraLength;
      while (e + 4 <= end) {
        const id = r.u16(e);
        const len = r.u16(e + 2);
        if (id === 0x0001) {
          let f = e + 4;
          if (size === 0xffffffff) {
            size = r.u64(f);
            f += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = r.u64(f);
            f += 8;
          }
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = r.u64(f);
          break;
        }
        e += 4 + len;
      }
    }
    const mode = madeBy === UNIX ? external >>> 16 : 0;
    entries.push({
      name: name.replace(/\\/g, '/'),
      compressedSize,
      size,
      method,
      encrypted: (flags & 1) === 1,
      symlink: (mode & S_IFMT) === S_IFLNK,
      directory: name.endsWith('/') || name.endsWith('\\'),
      localHeaderOffset,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  for (const e of entries) {
    const parts = e.name.split('/');
    if (e.name.startsWith('/') || /^[A-Za-z]:/.test(e.name) || parts.includes('..') || e.name.includes('\0')) {
      throw new ZipProblem('unsafe_zip', `the archive's entry "${showable(e.name)}" would be written outside its folder`);
    }
    if (e.symlink) throw new ZipProblem('unsafe_zip', `the archive's entry "${showable(e.name)}" is a symbolic link`);
  }
  return entries;
}

/** One entry's bytes: stored or deflated, into a buffer of its declared size. */
export function inflateEntry(data: Uint8Array, entry: ZipEntry): Uint8Array {
  const r = reader(data);
  if (entry.encrypted) bad(`"${showable(entry.name)}" is encrypted`);
  const at = entry.localHeaderOffset;
  if (r.u32(at) !== LOCAL_HEADER) bad(`damaged local header for "${showable(entry.name)}"`);
  const start = at + 30 + r.u16(at + 26) + r.u16(at + 28);
  const end = start + entry.compressedSize;
  if (end > data.length) bad('the archive is truncated');
  const raw = data.subarray(start, end);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) bad(`"${showable(entry.name)}" has inconsistent sizes`);
    return raw.slice();
  }
  if (entry.method !== 8) bad(`"${showable(entry.name)}" uses compression method ${entry.method} (only stored and deflate are read)`);
  try {
    return inflateSync(raw, { out: new Uint8Array(entry.size) });
  } catch (e) {
    return bad(`"${showable(entry.name)}" cannot be inflated (${(e as Error).message})`);
  }
}
