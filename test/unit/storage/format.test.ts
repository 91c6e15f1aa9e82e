// An independent check of the on-disk format: a small decoder written straight
// from Kafka's documentation (https://kafka.apache.org/documentation/#log,
// #recordbatch, #record) parses the .log, .index and .timeindex files that
// Samsa wrote, byte by byte, and checks every field. It shares no code with
// src/ (CRC32C comes from @node-rs/crc32 directly).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { Log } from '../../../src/storage/log.js';
import { buildBatch, config, rmDir, tmpDir } from './helpers.js';

// ---- decoder, from the documentation -------------------------------------

class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}
  int8() {
    return this.buf.readInt8((this.pos += 1) - 1);
  }
  int16() {
    return this.buf.readInt16BE((this.pos += 2) - 2);
  }
  int32() {
    return this.buf.readInt32BE((this.pos += 4) - 4);
  }
  uint32() {
    return this.buf.readUInt32BE((this.pos += 4) - 4);
  }
  int64() {
    return Number(this.buf.readBigInt64BE((this.pos += 8) - 8));
  }
  /** varint: zigzag-encoded, as in protobuf */
  varint() {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      const b = BigInt(this.buf[this.pos++]!);
      v |= (b & 0x7fn) << shift;
      if ((b & 0x80n) === 0n) break;
      shift += 7n;
    }
    return Number((v >> 1n) ^ -(v & 1n));
  }
  bytes(n: number) {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

interface DocRecord {
  length: number;
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

interface DocBatch {
  position: number;
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: DocRecord[];
  crcComputed: number;
}

function decodeLogFile(buf: Buffer): DocBatch[] {
  const out: DocBatch[] = [];
  const c = new Cursor(buf);
  while (c.pos < buf.length) {
    const position = c.pos;
    const baseOffset = c.int64();
    const batchLength = c.int32();
    const end = c.pos + batchLength;
    assert.ok(end <= buf.length, `batch at ${position} runs past the end of the file`);
    const partitionLeaderEpoch = c.int32();
    const magic = c.int8();
    const crc = c.uint32();
    const crcComputed = crc32c(buf.subarray(c.pos, end)) >>> 0; // attributes .. end of batch
    const attributes = c.int16();
    const lastOffsetDelta = c.int32();
    const baseTimestamp = c.int64();
    const maxTimestamp = c.int64();
    const producerId = c.int64();
    const producerEpoch = c.int16();
    const baseSequence = c.int32();
    const count = c.int32();
    const records: DocRecord[] = [];
    for (let i = 0; i < count; i++) {
      const length = c.varint();
      const recEnd = c.pos + length;
      const rAttributes = c.int8();
      const timestampDelta = c.varint();
      const offsetDelta = c.varint();
      const keyLength = c.varint();
      const key = keyLength < 0 ? null : Buffer.from(c.bytes(keyLength));
      const valueLen = c.varint();
      const value = valueLen < 0 ? null : Buffer.from(c.bytes(valueLen));
      const headerCount = c.varint();
      const headers = [];
      for (let h = 0; h < headerCount; h++) {
        const hk = c.bytes(c.varint()).toString('utf8');
        const hvLen = c.varint();
        headers.push({ key: hk, value: hvLen < 0 ? null : Buffer.from(c.bytes(hvLen)) });
      }
      assert.equal(c.pos, recEnd, 'record length covers exactly the record');
      records.push({ length, attributes: rAttributes, timestampDelta, offsetDelta, key, value, headers });
    }
    assert.equal(c.pos, end, 'batchLength covers exactly the batch');
    out.push({
      position,
      baseOffset,
      batchLength,
      partitionLeaderEpoch,
      magic,
      crc,
      attributes,
      lastOffsetDelta,
      baseTimestamp,
      maxTimestamp,
      producerId,
      producerEpoch,
      baseSequence,
      records,
      crcComputed,
    });
  }
  return out;
}

function decodeIndex(buf: Buffer): { relativeOffset: number; position: number }[] {
  assert.equal(buf.length % 8, 0, '.index is whole 8-byte entries');
  const out = [];
  for (let at = 0; at < buf.length; at += 8) out.push({ relativeOffset: buf.readInt32BE(at), position: buf.readInt32BE(at + 4) });
  return out;
}

function decodeTimeIndex(buf: Buffer): { timestamp: number; relativeOffset: number }[] {
  assert.equal(buf.length % 12, 0, '.timeindex is whole 12-byte entries');
  const out = [];
  for (let at = 0; at < buf.length; at += 12) {
    out.push({ timestamp: Number(buf.readBigInt64BE(at)), relativeOffset: buf.readInt32BE(at + 8) });
  }
  return out;
}

// ---- the test ------------------------------------------------------------

test('segments written by Samsa decode with a decoder written from Kafka’s documented format', async () => {
  const dir = tmpDir();
  const INTERVAL = 700;
  try {
    const logDir = path.join(dir, 'orders-3');
    const log = await Log.open(logDir, 'orders', 3, config({ segmentBytes: 6000, indexIntervalBytes: INTERVAL }), {
      hadCleanShutdown: true,
    });
    const t0 = 1_710_000_000_000;
    const sent: { records: { key: string | null; value: string; ts: number }[]; epoch: number }[] = [];
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 120; i++) {
      const n = 1 + (i % 5);
      const records = Array.from({ length: n }, (_, j) => ({
        key: j % 2 === 0 ? `k${i}-${j}` : null,
        value: `value ${i}-${j} `.repeat(1 + ((i * 7 + j) % 9)),
        // Timestamps mostly grow, with some going backwards inside and across batches.
        ts: t0 + i * 1000 + ((j * 379) % 5) * 100 - (i % 10 === 3 ? 5000 : 0),
      }));
      const epoch = i < 60 ? 1 : 2;
      sent.push({ records, epoch });
      const batch = buildBatch(
        records.map((r) => ({ key: r.key === null ? null : Buffer.from(r.key), value: Buffer.from(r.value), timestamp: r.ts })),
        { producerId: 1000 + i, producerEpoch: 3, baseSequence: i * 10 },
      );
      last = log.append(batch, { leaderEpoch: epoch }).written;
    }
    await last;
    // While active, the index files are preallocated to segment.index.bytes.
    const activeBase = log.segmentBaseOffsets().at(-1)!;
    const activeName = String(activeBase).padStart(20, '0');
    assert.equal(fs.statSync(path.join(logDir, activeName + '.index')).size, 10485760);
    assert.equal(fs.statSync(path.join(logDir, activeName + '.timeindex')).size, 10485756);
    await log.close();

    const names = fs.readdirSync(logDir).sort();
    const logFiles = names.filter((n) => n.endsWith('.log'));
    assert.ok(logFiles.length >= 5, `${logFiles.length} segments`);
    for (const n of logFiles) {
      assert.match(n, /^\d{20}\.log$/);
      const base = n.slice(0, 20);
      assert.ok(names.includes(`${base}.index`) && names.includes(`${base}.timeindex`));
    }

    let expectedOffset = 0;
    let batchNo = 0;
    let indexEntries = 0;
    let timeEntries = 0;
    for (const n of logFiles) {
      const segBase = Number(n.slice(0, 20));
      const batches = decodeLogFile(fs.readFileSync(path.join(logDir, n)));
      assert.ok(batches.length > 0);
      assert.equal(batches[0]!.baseOffset, segBase, 'file name is the first batch’s base offset');
      let maxTs = -1;
      let offsetOfMax = -1;
      const expectedTimeEntries: { timestamp: number; relativeOffset: number }[] = [];
      const expectedIndex: { relativeOffset: number; position: number }[] = [];
      let bytesSince = 0;
      for (const b of batches) {
        const want = sent[batchNo++]!;
        // Batch header fields.
        assert.equal(b.baseOffset, expectedOffset, 'offsets are contiguous');
        assert.equal(b.magic, 2);
        assert.equal(b.crc, b.crcComputed, 'CRC32C over attributes..end');
        assert.equal(b.partitionLeaderEpoch, want.epoch);
        assert.equal(b.attributes, 0);
        assert.equal(b.lastOffsetDelta, want.records.length - 1);
        assert.equal(b.producerId, 1000 + batchNo - 1);
        assert.equal(b.producerEpoch, 3);
        assert.equal(b.baseSequence, (batchNo - 1) * 10);
        assert.equal(b.records.length, want.records.length);
        assert.equal(b.baseTimestamp, want.records[0]!.ts);
        assert.equal(b.maxTimestamp, Math.max(...want.records.map((r) => r.ts)));
        // Records.
        b.records.forEach((r, j) => {
          const w = want.records[j]!;
          assert.equal(r.attributes, 0);
          assert.equal(r.offsetDelta, j);
          assert.equal(b.baseTimestamp + r.timestampDelta, w.ts);
          assert.deepEqual(r.key, w.key === null ? null : Buffer.from(w.key));
          assert.deepEqual(r.value, Buffer.from(w.value));
          assert.deepEqual(r.headers, []);
        });
        // Kafka's sparse indexing rule: an entry for a batch when more than
        // index.interval.bytes were written since the last entry.
        const lastOffset = b.baseOffset + b.lastOffsetDelta;
        if (b.maxTimestamp > maxTs) {
          maxTs = b.maxTimestamp;
          offsetOfMax = lastOffset;
        }
        if (bytesSince > INTERVAL) {
          expectedIndex.push({ relativeOffset: lastOffset - segBase, position: b.position });
          const prev = expectedTimeEntries.at(-1);
          if (!prev || maxTs > prev.timestamp) expectedTimeEntries.push({ timestamp: maxTs, relativeOffset: offsetOfMax - segBase });
          bytesSince = 0;
        }
        bytesSince += b.batchLength + 12;
        expectedOffset = lastOffset + 1;
      }
      // On roll/close the segment's largest timestamp is appended if it grew.
      const prev = expectedTimeEntries.at(-1);
      if (!prev || maxTs > prev.timestamp) expectedTimeEntries.push({ timestamp: maxTs, relativeOffset: offsetOfMax - segBase });

      const base = n.slice(0, 20);
      const index = decodeIndex(fs.readFileSync(path.join(logDir, `${base}.index`)));
      const timeIndex = decodeTimeIndex(fs.readFileSync(path.join(logDir, `${base}.timeindex`)));
      assert.deepEqual(index, expectedIndex, `${base}.index`);
      assert.deepEqual(timeIndex, expectedTimeEntries, `${base}.timeindex`);
      indexEntries += index.length;
      timeEntries += timeIndex.length;
      // What kafka-dump-log verifies: each index entry points at the start of a batch whose
      // last offset is the entry's offset; each time index entry names a batch's last offset
      // and that batch's max timestamp.
      const byPos = new Map(batches.map((b) => [b.position, b]));
      for (const e of index) {
        const b = byPos.get(e.position);
        assert.ok(b, `index entry position ${e.position} is a batch start`);
        assert.equal(b.baseOffset + b.lastOffsetDelta, segBase + e.relativeOffset);
      }
      for (let i = 0; i < timeIndex.length; i++) {
        const e = timeIndex[i]!;
        const b = batches.find((x) => x.baseOffset + x.lastOffsetDelta === segBase + e.relativeOffset);
        assert.ok(b, `time index entry offset ${segBase + e.relativeOffset} is a batch's last offset`);
        assert.equal(b.maxTimestamp, e.timestamp);
        if (i > 0) assert.ok(e.timestamp > timeIndex[i - 1]!.timestamp);
      }
    }
    assert.equal(batchNo, sent.length, 'every batch is on disk, in order');
    assert.ok(indexEntries >= 20 && timeEntries >= 20, `${indexEntries} index / ${timeEntries} time index entries checked`);
  } finally {
    rmDir(dir);
  }
});
