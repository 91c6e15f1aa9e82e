import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import * as snappy from 'snappy';
import * as lz4 from 'lz4-napi';
import * as zstd from '@mongodb-js/zstd';
import { CompressionType } from '../../src/protocol/records/batch-header.js';
import {
  compress,
  decompress,
  isXerialSnappy,
  lz4DecompressedBound,
  payloadMismatch,
  XERIAL_MAGIC,
  zstdDecompressedBound,
} from '../../src/protocol/records/compression.js';
import { CorruptRecordError, DecompressionError, DecompressionLimitError } from '../../src/protocol/records/errors.js';

const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];
const NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function sample(n: number): Buffer {
  // compressible but not trivial: JSON-ish text with a counter
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const s = `{"id":${i},"name":"user-${i % 97}","tags":["a","b"],"v":${(i * 7919) % 1000}}`;
    parts.push(s);
    len += s.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

for (const type of CODECS) {
  test(`${NAMES[type]}: round trips empty, small, and multi-block inputs`, async () => {
    for (const n of [0, 1, 100, 70_000, 300_000]) {
      const data = sample(n);
      const packed = await compress(type, data);
      const back = await decompress(type, packed);
      assert.ok(back.equals(data), `${NAMES[type]} n=${n}`);
    }
  });
}

test('random (incompressible) bytes round trip through every codec', async () => {
  const data = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 2654435761) >>> 24));
  for (const type of CODECS) {
    assert.ok((await decompress(type, await compress(type, data))).equals(data), NAMES[type]);
  }
});

// Test vectors from eapache/go-xerial-snappy (bytes written by snappy-java / Kafka's Java client).
const XERIAL_PLAINDATA = Buffer.from([
  130, 83, 78, 65, 80, 80, 89, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 11, 9, 32, 80, 76, 65, 73, 78, 68, 65, 84, 65,
]);
const XERIAL_JSON = Buffer.from([
  130, 83, 78, 65, 80, 80, 89, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 39, 37, 144, 123, 34, 97, 34, 58, 34, 85, 116, 97, 105,
  116, 73, 76, 72, 77, 68, 65, 65, 65, 65, 102, 85, 34, 44, 34, 98, 34, 58, 34, 230, 151, 165, 230, 156, 172, 34, 125,
]);
const XERIAL_EMPTY = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x0, 0x0, 0x0, 0x0, 0x1, 0x0, 0x0, 0x0, 0x1]);
const RAW_REPEAT = Buffer.from([36, 20, 82, 69, 80, 69, 65, 84, 118, 6, 0]);

test('snappy: decodes xerial-framed streams (snappy-java) and raw blocks (librdkafka)', async () => {
  assert.equal((await decompress(CompressionType.Snappy, XERIAL_PLAINDATA)).toString(), 'PLAINDATA');
  assert.equal((await decompress(CompressionType.Snappy, XERIAL_JSON)).toString(), '{"a":"UtaitILHMDAAAAfU","b":"日本"}');
  assert.equal((await decompress(CompressionType.Snappy, XERIAL_EMPTY)).length, 0);
  assert.equal((await decompress(CompressionType.Snappy, RAW_REPEAT)).toString(), 'REPEAT'.repeat(6));
  const data = sample(100_000);
  const raw = await snappy.compress(data);
  assert.ok(!isXerialSnappy(raw));
  assert.ok((await decompress(CompressionType.Snappy, raw)).equals(data));
});

// Captured from Java: lz4-java 1.8.0 LZ4FrameOutputStream and snappy-java 1.1.8.3 SnappyOutputStream
// (the stream class Kafka's Java client writes snappy batches with), both fed GOLDEN_TEXT.
const GOLDEN_TEXT = 'Samsa golden: lz4-java LZ4FrameOutputStream, hello hello hello hello!';
const JAVA_LZ4_FRAME = Buffer.from(
  '04224d186070733c000000fa2353616d736120676f6c64656e3a206c7a342d6a617661204c5a344672616d654f757470757453747265616d2c2068656c6c6f060050656c6c6f2100000000',
  'hex',
);
const JAVA_XERIAL = Buffer.from(
  '82534e415050590000000001000000010000003a45c853616d736120676f6c64656e3a206c7a342d6a617661204c5a344672616d654f757470757453747265616d2c2068656c6c6f204206000021',
  'hex',
);

test('golden: decodes an LZ4 frame and a snappy stream written by the Java libraries', async () => {
  assert.equal((await decompress(CompressionType.Lz4, JAVA_LZ4_FRAME)).toString(), GOLDEN_TEXT);
  assert.equal((await decompress(CompressionType.Snappy, JAVA_XERIAL)).toString(), GOLDEN_TEXT);
});

test('snappy: writes xerial framing like snappy-java (header, version 1/1, 32 KiB blocks)', async () => {
  const data = sample(100_000);
  const packed = await compress(CompressionType.Snappy, data);
  assert.ok(packed.subarray(0, 8).equals(XERIAL_MAGIC));
  assert.equal(packed.readInt32BE(8), 1);
  assert.equal(packed.readInt32BE(12), 1);
  // walk the blocks: each is [int32 length][raw snappy block of <= 32 KiB input]
  const sizes: number[] = [];
  for (let p = 16; p < packed.length; ) {
    const n = packed.readInt32BE(p);
    const block = packed.subarray(p + 4, p + 4 + n);
    sizes.push(((await snappy.uncompress(block, { asBuffer: true })) as Buffer).length);
    p += 4 + n;
  }
  assert.deepEqual(sizes, [32768, 32768, 32768, 100_000 - 3 * 32768]);
});

test('snappy: corrupt and truncated xerial streams are refused', async () => {
  const good = await compress(CompressionType.Snappy, sample(1000));
  await assert.rejects(decompress(CompressionType.Snappy, good.subarray(0, good.length - 3)), DecompressionError);
  await assert.rejects(decompress(CompressionType.Snappy, good.subarray(0, 18)), DecompressionError); // partial block length
  const bad = Buffer.from(good);
  bad.writeInt32BE(0x7fffffff, 16); // block length past the end
  await assert.rejects(decompress(CompressionType.Snappy, bad), DecompressionError);
  await assert.rejects(decompress(CompressionType.Snappy, Buffer.from('not snappy at all, not at all')), CorruptRecordError);
});

test('lz4: writes standard frames with independent blocks and no checksums (what Java and librdkafka write)', async () => {
  const packed = await compress(CompressionType.Lz4, sample(10_000));
  assert.equal(packed.readUInt32LE(0), 0x184d2204);
  const flg = packed[4]!;
  assert.equal(flg >> 6, 1, 'version 1');
  assert.equal((flg >> 5) & 1, 1, 'block independence (Java refuses linked blocks)');
  assert.equal(flg & 0x1c, 0, 'no block checksum, no content size, no content checksum');
  assert.ok([4, 5, 6, 7].includes((packed[5]! >> 4) & 7), 'block max size id 4..7 (Java accepts only these)');
});

test('lz4: accepts frames with block and content checksums, and verifies them', async () => {
  const data = sample(200_000);
  const framed = await lz4.compressFrame(data, { contentChecksum: true, blockChecksums: true });
  assert.ok((await decompress(CompressionType.Lz4, framed)).equals(data));
  const corrupt = Buffer.from(framed);
  corrupt[corrupt.length - 1]! ^= 0xff;
  await assert.rejects(decompress(CompressionType.Lz4, corrupt), DecompressionError);
  await assert.rejects(decompress(CompressionType.Lz4, framed.subarray(0, framed.length - 10)), DecompressionError);
});

test('zstd: accepts several frames and skippable frames', async () => {
  const a = sample(5000);
  const b = sample(777);
  const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
  const packed = Buffer.concat([await zstd.compress(a, 3), skippable, await zstd.compress(b, 1)]);
  assert.ok((await decompress(CompressionType.Zstd, packed)).equals(Buffer.concat([a, b])));
  await assert.rejects(decompress(CompressionType.Zstd, Buffer.from('definitely not zstd')), DecompressionError);
  await assert.rejects(decompress(CompressionType.Zstd, packed.subarray(0, 20)), DecompressionError);
});

test('gzip: accepts multi-member streams; refuses garbage', async () => {
  const a = sample(3000);
  const b = sample(10);
  const packed = Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(b)]);
  assert.ok((await decompress(CompressionType.Gzip, packed)).equals(Buffer.concat([a, b])));
  await assert.rejects(decompress(CompressionType.Gzip, Buffer.from('garbage garbage garbage')), DecompressionError);
});

test('decompression is bounded: bombs are refused for every codec', async () => {
  const zeros = Buffer.alloc(8 * 1024 * 1024);
  const limit = 1024 * 1024;
  for (const type of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    const packed = await compress(type, zeros);
    assert.ok(packed.length < limit, `${NAMES[type]} bomb is small`);
    await assert.rejects(decompress(type, packed, limit), DecompressionLimitError, NAMES[type]);
    // a limit that fits lets it through
    assert.equal((await decompress(type, packed, zeros.length)).length, zeros.length, NAMES[type]);
  }
  const raw = await snappy.compress(zeros);
  await assert.rejects(decompress(CompressionType.Snappy, raw, limit), DecompressionLimitError);
});

test('zstd and lz4 bounds come from block headers, before any native call', async () => {
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  const z = await zstd.compress(zeros, 3);
  const zb = zstdDecompressedBound(z);
  assert.ok(zb >= zeros.length && zb <= zeros.length + 128 * 1024, `zstd bound ${zb}`);
  const l = await lz4.compressFrame(zeros);
  const lb = lz4DecompressedBound(l);
  assert.ok(lb >= zeros.length && lb <= zeros.length + 4 * 1024 * 1024, `lz4 bound ${lb}`);
  // an LZ4 frame header that declares a huge content size is refused from the header alone
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0, 0, 0, 0x40, 0, 0, 0, 0, 0x00, 0, 0, 0, 0]);
  await assert.rejects(decompress(CompressionType.Lz4, header, 1 << 20), DecompressionLimitError);
  // a zstd frame that declares 2^32 bytes (8-byte content size) likewise
  const zhead = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]);
  await assert.rejects(decompress(CompressionType.Zstd, zhead, 1 << 20), DecompressionLimitError);
});

test('payloadMismatch spots a payload of the wrong codec without decompressing', async () => {
  const data = sample(2000);
  const packed = new Map<CompressionType, Buffer>();
  for (const t of CODECS.slice(1)) packed.set(t, await compress(t, data));
  for (const t of CODECS.slice(1)) assert.equal(payloadMismatch(t, packed.get(t)!), undefined, NAMES[t]);
  assert.ok(payloadMismatch(CompressionType.Gzip, packed.get(CompressionType.Zstd)!));
  assert.ok(payloadMismatch(CompressionType.Lz4, packed.get(CompressionType.Gzip)!));
  assert.ok(payloadMismatch(CompressionType.Zstd, packed.get(CompressionType.Lz4)!));
  assert.ok(payloadMismatch(CompressionType.Snappy, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])));
  assert.ok(payloadMismatch(CompressionType.Gzip, Buffer.alloc(0)));
});

test('concurrent decompression of many payloads stays correct', async () => {
  const inputs = Array.from({ length: 40 }, (_, i) => sample(1000 + i * 997));
  for (const type of CODECS.slice(1)) {
    const packed = await Promise.all(inputs.map((d) => compress(type, d)));
    const back = await Promise.all(packed.map((p) => decompress(type, p)));
    back.forEach((b, i) => assert.ok(b.equals(inputs[i]!), `${NAMES[type]} #${i}`));
  }
});
