// Compression codecs for record batch v2, by the batch's compression type.
// Only the records section of a batch is compressed, as one stream.
//
// What each codec looks like inside a Kafka batch (checked against the Java
// client in apache/kafka and librdkafka's writer and reader):
//  - gzip: a gzip stream (RFC 1952); Java writes one member, readers accept several.
//  - snappy: two framings are in use. The Java client writes snappy-java's
//    "xerial" stream: the 8-byte magic 0x82 'SNAPPY' 0x00, int32 version (1),
//    int32 min-compatible version (1), then blocks of [int32 big-endian
//    length][raw snappy block], each block holding up to 32 KiB of input.
//    librdkafka writes one raw snappy block, no framing. Both Java's
//    SnappyInputStream and librdkafka tell them apart by the 8-byte magic, and
//    so do we; we write xerial (what Java writes, and what every reader accepts).
//  - lz4: the standard LZ4 frame format (magic 0x184D2204). Java and
//    librdkafka both write independent blocks, no block or content checksum;
//    Java's reader refuses linked blocks and reads (without verifying) a
//    content checksum. lz4-napi's compressFrame writes FLG 0x60 (version 1,
//    independent blocks, no checksums), which both accept; its decompressFrame
//    verifies any checksums present. (Magic v0/v1's broken header checksum
//    does not arise for v2 batches.)
//  - zstd: a zstd frame (Java zstd-jni streaming, librdkafka ZSTD_compressStream).
//
// Decompression is bounded by `maxSize`. Before handing bytes to a native
// codec we derive an upper bound of the output from the framing (snappy's
// length preamble, LZ4 and zstd block headers and declared content sizes) and
// refuse when it exceeds the limit, so a small hostile payload cannot make a
// codec allocate gigabytes; gzip uses zlib's own maxOutputLength. The actual
// output length is checked again afterwards.
//
// All native work goes through the codecs' async (thread-pool) entry points:
// napi codecs called synchronously in a tight loop were measured to slow down
// and balloon memory.

import { constants as bufferConstants } from 'node:buffer';
import zlib from 'node:zlib';
import { CompressionType } from './batch-header.js';
import { DecompressionError, DecompressionLimitError, UnsupportedCompressionTypeError } from './errors.js';

/** Used when the caller gives no limit. */
export const DEFAULT_MAX_DECOMPRESSED_SIZE = 256 * 1024 * 1024;

/** snappy-java's stream header magic. */
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default block size: the input size of each xerial block we write. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

const LZ4_MAGIC = 0x184d2204;
const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames (LZ4 and zstd share the range 0x184D2A50..0x184D2A5F). */
const isSkippableMagic = (m: number): boolean => (m & 0xfffffff0) === 0x184d2a50;
const ZSTD_BLOCK_MAX = 128 * 1024;

type SnappyModule = typeof import('snappy');
type Lz4Module = typeof import('lz4-napi');
interface ZstdCodec {
  compress(data: Buffer, level: number): Promise<Buffer>;
  decompress(data: Buffer, maxSize: number): Promise<Buffer>;
}

let snappyModule: Promise<SnappyModule> | undefined;
let lz4Module: Promise<Lz4Module> | undefined;
let zstdCodec: Promise<ZstdCodec> | undefined;

const loadSnappy = (): Promise<SnappyModule> => (snappyModule ??= import('snappy'));
const loadLz4 = (): Promise<Lz4Module> => (lz4Module ??= import('lz4-napi'));
const loadZstd = (): Promise<ZstdCodec> => (zstdCodec ??= openZstd());

/** @mongodb-js/zstd when it loads (always, for consistency); else Node's built-in zstd (Node >= 22.15). */
async function openZstd(): Promise<ZstdCodec> {
  try {
    const m = await import('@mongodb-js/zstd');
    return {
      compress: (data, level) => m.compress(data, level),
      decompress: (data) => m.decompress(data),
    };
  } catch (err) {
    const z = zlib as unknown as {
      zstdCompress?: (b: Buffer, o: object, cb: (e: Error | null, r: Buffer) => void) => void;
      zstdDecompress?: (b: Buffer, o: object, cb: (e: Error | null, r: Buffer) => void) => void;
      constants: Record<string, number>;
    };
    const { zstdCompress, zstdDecompress } = z;
    if (!zstdCompress || !zstdDecompress) {
      throw new Error(`zstd is unavailable: @mongodb-js/zstd failed to load (${(err as Error).message}) and this Node has no zlib zstd`);
    }
    const levelKey = z.constants['ZSTD_c_compressionLevel'];
    return {
      compress: (data, level) =>
        new Promise((resolve, reject) =>
          zstdCompress(data, levelKey === undefined ? {} : { params: { [levelKey]: level } }, (e, r) => (e ? reject(e) : resolve(r))),
        ),
      decompress: (data, maxSize) =>
        new Promise((resolve, reject) =>
          zstdDecompress(data, { maxOutputLength: maxSize }, (e, r) => (e ? reject(e) : resolve(r))),
        ),
    };
  }
}

export function compressionName(type: CompressionType): string {
  return ['none', 'gzip', 'snappy', 'lz4', 'zstd'][type] ?? `unknown(${type})`;
}

function gzipAsync(data: Buffer, options: zlib.ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gzip(data, options, (e, r) => (e ? reject(e) : resolve(r))));
}

function gunzipAsync(data: Buffer, options: zlib.ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gunzip(data, options, (e, r) => (e ? reject(e) : resolve(r))));
}

/**
 * Compresses a records section. `level` is the codec's own scale (gzip 1-9,
 * zstd 1-22; ignored by snappy and lz4); undefined means Kafka's default.
 */
export async function compress(type: CompressionType, data: Buffer, level?: number): Promise<Buffer> {
  switch (type) {
    case CompressionType.None:
      return data;
    case CompressionType.Gzip:
      return gzipAsync(data, level === undefined ? {} : { level });
    case CompressionType.Snappy:
      return compressXerial(data);
    case CompressionType.Lz4:
      return (await loadLz4()).compressFrame(data);
    case CompressionType.Zstd:
      return (await loadZstd()).compress(data, level ?? 3);
    default:
      throw new UnsupportedCompressionTypeError(type);
  }
}

/**
 * Decompresses a records section. Throws DecompressionLimitError when the
 * output would exceed `maxSize`, DecompressionError when the codec rejects the
 * bytes.
 */
export async function decompress(
  type: CompressionType,
  data: Buffer,
  maxSize: number = DEFAULT_MAX_DECOMPRESSED_SIZE,
): Promise<Buffer> {
  let out: Buffer;
  switch (type) {
    case CompressionType.None:
      out = data;
      break;
    case CompressionType.Gzip:
      try {
        out = await gunzipAsync(data, { maxOutputLength: Math.max(1, Math.min(maxSize, bufferConstants.MAX_LENGTH)) });
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new DecompressionLimitError(`gzip payload decompresses to more than ${maxSize} bytes`);
        }
        throw codecError('gzip', err);
      }
      break;
    case CompressionType.Snappy:
      out = isXerialSnappy(data) ? await decompressXerial(data, maxSize) : await decompressRawSnappy(data, maxSize);
      break;
    case CompressionType.Lz4: {
      checkBound('lz4', lz4DecompressedBound(data, maxSize), maxSize);
      const lz4 = await loadLz4();
      try {
        out = await lz4.decompressFrame(data);
      } catch (err) {
        throw codecError('lz4', err);
      }
      break;
    }
    case CompressionType.Zstd: {
      checkBound('zstd', zstdDecompressedBound(data, maxSize), maxSize);
      const zstd = await loadZstd();
      try {
        out = await zstd.decompress(data, maxSize);
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new DecompressionLimitError(`zstd payload decompresses to more than ${maxSize} bytes`);
        }
        throw codecError('zstd', err);
      }
      break;
    }
    default:
      throw new UnsupportedCompressionTypeError(type);
  }
  if (out.length > maxSize) {
    throw new DecompressionLimitError(`${compressionName(type)} payload decompressed to ${out.length} bytes, over the limit of ${maxSize}`);
  }
  return out;
}

function codecError(codec: string, err: unknown): DecompressionError {
  return new DecompressionError(`${codec} decompression failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

function checkBound(codec: string, bound: number, maxSize: number): void {
  if (bound > maxSize) {
    throw new DecompressionLimitError(`${codec} payload may decompress to ${bound} bytes, over the limit of ${maxSize}`);
  }
}

// ---------------------------------------------------------------- snappy

/** True when `data` starts with snappy-java's stream header. */
export function isXerialSnappy(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

/** The uncompressed length a raw snappy block declares in its preamble (a uvarint up to 2^32-1). */
export function snappyDeclaredLength(data: Buffer, start = 0, end = data.length): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    if (start + i >= end) throw new DecompressionError('snappy: truncated length preamble');
    const b = data[start + i]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      if (result > 0xffffffff) break;
      return result;
    }
  }
  throw new DecompressionError('snappy: invalid length preamble');
}

async function uncompressSnappyBlock(snappy: SnappyModule, block: Buffer, expected: number): Promise<Buffer> {
  let out: Buffer;
  try {
    out = (await snappy.uncompress(block, { asBuffer: true })) as Buffer;
  } catch (err) {
    throw codecError('snappy', err);
  }
  if (out.length !== expected) {
    throw new DecompressionError(`snappy: block declared ${expected} bytes but produced ${out.length}`);
  }
  return out;
}

async function decompressRawSnappy(data: Buffer, maxSize: number): Promise<Buffer> {
  const declared = snappyDeclaredLength(data);
  checkBound('snappy', declared, maxSize);
  return uncompressSnappyBlock(await loadSnappy(), data, declared);
}

async function decompressXerial(data: Buffer, maxSize: number): Promise<Buffer> {
  const blocks: Buffer[] = [];
  const lengths: number[] = [];
  let total = 0;
  let p = XERIAL_HEADER_SIZE;
  while (p < data.length) {
    if (p + 4 > data.length) throw new DecompressionError('snappy (xerial): truncated block length');
    const n = data.readInt32BE(p);
    p += 4;
    if (n < 0 || n > data.length - p) {
      throw new DecompressionError(`snappy (xerial): block length ${n} exceeds the ${data.length - p} bytes left`);
    }
    if (n > 0) {
      const declared = snappyDeclaredLength(data, p, p + n);
      total += declared;
      checkBound('snappy', total, maxSize);
      blocks.push(data.subarray(p, p + n));
      lengths.push(declared);
    }
    p += n;
  }
  if (blocks.length === 0) return Buffer.alloc(0);
  const snappy = await loadSnappy();
  const outs = await Promise.all(blocks.map((b, i) => uncompressSnappyBlock(snappy, b, lengths[i]!)));
  return outs.length === 1 ? outs[0]! : Buffer.concat(outs, total);
}

async function compressXerial(data: Buffer): Promise<Buffer> {
  const snappy = await loadSnappy();
  const parts: Promise<Buffer>[] = [];
  for (let p = 0; p < data.length; p += XERIAL_BLOCK_SIZE) {
    parts.push(snappy.compress(data.subarray(p, Math.min(p + XERIAL_BLOCK_SIZE, data.length))));
  }
  const blocks = await Promise.all(parts);
  let size = XERIAL_HEADER_SIZE;
  for (const b of blocks) size += 4 + b.length;
  const out = Buffer.allocUnsafe(size);
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(1, 8); // version
  out.writeInt32BE(1, 12); // minimum compatible version
  let p = XERIAL_HEADER_SIZE;
  for (const b of blocks) {
    out.writeInt32BE(b.length, p);
    b.copy(out, p + 4);
    p += 4 + b.length;
  }
  return out;
}

// ---------------------------------------------------------------- lz4

/**
 * Upper bound of what an LZ4 frame sequence decompresses to, from its frame and
 * block headers alone: a stored block is its own size, a compressed block at
 * most min(block maximum, 255 x its size) (an LZ4 sequence cannot expand more).
 * Stops counting once past `stopAbove`. Throws DecompressionError on bad framing.
 */
export function lz4DecompressedBound(data: Buffer, stopAbove = Infinity): number {
  let bound = 0;
  let p = 0;
  const need = (n: number, what: string): void => {
    if (p + n > data.length) throw new DecompressionError(`lz4: truncated ${what}`);
  };
  if (data.length === 0) throw new DecompressionError('lz4: empty payload');
  while (p < data.length) {
    need(4, 'frame magic');
    const magic = data.readUInt32LE(p);
    if (isSkippableMagic(magic)) {
      need(8, 'skippable frame');
      p += 8 + data.readUInt32LE(p + 4);
      if (p > data.length) throw new DecompressionError('lz4: truncated skippable frame');
      continue;
    }
    if (magic !== LZ4_MAGIC) throw new DecompressionError(`lz4: bad frame magic 0x${magic.toString(16)}`);
    need(7, 'frame descriptor');
    const flg = data[p + 4]!;
    const bd = data[p + 5]!;
    if (flg >> 6 !== 1) throw new DecompressionError(`lz4: unsupported frame version ${flg >> 6}`);
    const blockSizeId = (bd >> 4) & 7;
    if (blockSizeId < 4) throw new DecompressionError(`lz4: invalid block size id ${blockSizeId}`);
    const blockMax = 1 << (2 * blockSizeId + 8);
    p += 6;
    if (flg & 0x08) {
      need(8, 'content size');
      const declared = Number(data.readBigUInt64LE(p));
      if (declared > stopAbove) return declared;
      p += 8;
    }
    if (flg & 0x01) p += 4; // dictionary id
    p += 1; // header checksum
    for (;;) {
      need(4, 'block header');
      const word = data.readUInt32LE(p);
      p += 4;
      if (word === 0) break; // end mark
      const size = word & 0x7fffffff;
      if (size > blockMax) throw new DecompressionError(`lz4: block of ${size} bytes exceeds the frame's ${blockMax}`);
      bound += word & 0x80000000 ? size : Math.min(blockMax, size * 255);
      p += size + (flg & 0x10 ? 4 : 0);
      if (p > data.length) throw new DecompressionError('lz4: truncated block');
      if (bound > stopAbove) return bound;
    }
    if (flg & 0x04) p += 4; // content checksum
    if (p > data.length) throw new DecompressionError('lz4: truncated content checksum');
  }
  return bound;
}

// ---------------------------------------------------------------- zstd

/**
 * Upper bound of what a zstd frame sequence decompresses to, from frame and
 * block headers alone: raw and RLE blocks state their size, a compressed block
 * yields at most min(window, 128 KiB); a declared frame content size caps the
 * frame. Stops counting once past `stopAbove`. Throws DecompressionError on bad framing.
 */
export function zstdDecompressedBound(data: Buffer, stopAbove = Infinity): number {
  let bound = 0;
  let p = 0;
  const need = (n: number, what: string): void => {
    if (p + n > data.length) throw new DecompressionError(`zstd: truncated ${what}`);
  };
  if (data.length === 0) throw new DecompressionError('zstd: empty payload');
  while (p < data.length) {
    need(4, 'frame magic');
    const magic = data.readUInt32LE(p);
    if (isSkippableMagic(magic)) {
      need(8, 'skippable frame');
      p += 8 + data.readUInt32LE(p + 4);
      if (p > data.length) throw new DecompressionError('zstd: truncated skippable frame');
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new DecompressionError(`zstd: bad frame magic 0x${magic.toString(16)}`);
    need(5, 'frame header');
    const fhd = data[p + 4]!;
    p += 5;
    if (fhd & 0x08) throw new DecompressionError('zstd: reserved frame header bit set');
    const fcsFlag = fhd >> 6;
    const singleSegment = (fhd >> 5) & 1;
    let window = Infinity;
    if (!singleSegment) {
      need(1, 'window descriptor');
      const wd = data[p++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    p += [0, 1, 2, 4][fhd & 3]!; // dictionary id
    const fcsSize = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag]!;
    let contentSize = -1;
    if (fcsSize > 0) {
      need(fcsSize, 'frame content size');
      if (fcsSize === 1) contentSize = data[p]!;
      else if (fcsSize === 2) contentSize = data.readUInt16LE(p) + 256;
      else if (fcsSize === 4) contentSize = data.readUInt32LE(p);
      else contentSize = Number(data.readBigUInt64LE(p));
      p += fcsSize;
      if (contentSize > stopAbove) return contentSize;
      if (singleSegment) window = contentSize;
    }
    const blockMax = Math.min(window, ZSTD_BLOCK_MAX);
    let frame = 0;
    for (;;) {
      need(3, 'block header');
      const header = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16);
      p += 3;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 0) {
        frame += size;
        p += size;
      } else if (type === 1) {
        frame += size;
        p += 1;
      } else if (type === 2) {
        frame += blockMax;
        p += size;
      } else {
        throw new DecompressionError('zstd: reserved block type');
      }
      if (p > data.length) throw new DecompressionError('zstd: truncated block');
      if (bound + frame > stopAbove) return bound + frame;
      if (header & 1) break; // last block
    }
    if (fhd & 0x04) p += 4; // content checksum
    if (p > data.length) throw new DecompressionError('zstd: truncated content checksum');
    bound += contentSize >= 0 ? Math.min(contentSize, frame) : frame;
  }
  return bound;
}

// ---------------------------------------------------------------- cheap checks

/**
 * A header-only plausibility check of a compressed records section (no
 * decompression): the codec's magic, and for raw snappy a readable length
 * preamble. Returns a reason when the payload cannot be of this codec.
 */
export function payloadMismatch(type: CompressionType, data: Buffer): string | undefined {
  if (data.length === 0) return 'empty compressed payload';
  switch (type) {
    case CompressionType.Gzip:
      return data.length >= 18 && data[0] === 0x1f && data[1] === 0x8b ? undefined : 'not a gzip stream';
    case CompressionType.Snappy:
      if (isXerialSnappy(data)) return undefined;
      try {
        snappyDeclaredLength(data);
        return undefined;
      } catch {
        return 'not a snappy block';
      }
    case CompressionType.Lz4:
    case CompressionType.Zstd: {
      if (data.length < 4) return `${compressionName(type)} payload too short`;
      const m = data.readUInt32LE(0);
      const ok = m === (type === CompressionType.Lz4 ? LZ4_MAGIC : ZSTD_MAGIC) || isSkippableMagic(m);
      return ok ? undefined : `not an ${compressionName(type)} frame`;
    }
    default:
      return undefined;
  }
}
