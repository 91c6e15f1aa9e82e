// Producer-state snapshot files: `<20-digit offset>.snapshot` in a partition
// directory, the producer state as of that offset (every batch below it
// applied). Kafka's format (ProducerSnapshot, defined in
// protocol/messages/transaction-log.ts):
//
//   int16   version                 1
//   uint32  crc                     CRC32C of every byte after this field
//   int32   entry count
//   entry   (46 bytes each)
//     int64 producerId, int16 epoch, int32 lastSequence, int64 lastOffset,
//     int32 offsetDelta (lastSequence - firstSequence of that batch),
//     int64 timestamp, int32 coordinatorEpoch, int64 currentTxnFirstOffset (-1: none)
//
// Kafka writes one entry per producer (its last batch). Samsa writes one entry
// per retained batch (up to 5 per producer, oldest first, the producer-level
// fields repeated), so that duplicates of any of the last 5 batches are still
// recognised after a restart. Kafka's reader keeps the last entry it reads for
// a producer id, so it loads these files as if they held the last batch only;
// Samsa reads Kafka's files as producers with one batch each.

import fs from 'node:fs';
import path from 'node:path';
import { MessageCodec } from '../protocol/codec.js';
import { Reader, Writer } from '../protocol/primitives.js';
import { ProducerSnapshot } from '../protocol/messages/transaction-log.js';
import { crc32c } from '../protocol/records/crc32c.js';
import { SNAPSHOT_SUFFIX, parseSegmentFileName, segmentFileName } from './log-file-utils.js';
import { writeFileAtomic } from './fs-util.js';

export const SNAPSHOT_VERSION = 1;
const CRC_OFFSET = 2;
const ENTRIES_OFFSET = 6;

export interface SnapshotEntry {
  producerId: number;
  epoch: number;
  lastSequence: number;
  lastOffset: number;
  offsetDelta: number;
  timestamp: number;
  coordinatorEpoch: number;
  currentTxnFirstOffset: number;
}

const codec = new MessageCodec(ProducerSnapshot);

export class CorruptSnapshotError extends Error {
  override name = 'CorruptSnapshotError';
}

export function encodeSnapshot(entries: readonly SnapshotEntry[]): Buffer {
  const w = new Writer(ENTRIES_OFFSET + 4 + entries.length * 46);
  w.int16(SNAPSHOT_VERSION);
  codec.forVersion(SNAPSHOT_VERSION).encode(w, { crc: 0, producerEntries: entries });
  const buf = w.toBuffer();
  buf.writeUInt32BE(crc32c(buf, ENTRIES_OFFSET), CRC_OFFSET);
  return buf;
}

export function decodeSnapshot(buf: Buffer): SnapshotEntry[] {
  if (buf.length < ENTRIES_OFFSET + 4) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes is too short`);
  const version = buf.readInt16BE(0);
  if (version !== SNAPSHOT_VERSION) throw new CorruptSnapshotError(`Snapshot contained an unknown file version ${version}`);
  let decoded: { crc: number; producerEntries: SnapshotEntry[] };
  try {
    const r = new Reader(buf, 2);
    decoded = codec.forVersion(SNAPSHOT_VERSION).decode(r);
  } catch (err) {
    throw new CorruptSnapshotError(`Snapshot failed schema validation: ${(err as Error).message}`);
  }
  const computed = crc32c(buf, ENTRIES_OFFSET);
  if (decoded.crc !== computed) {
    throw new CorruptSnapshotError(`Snapshot is corrupt (CRC is no longer valid). Stored crc: ${decoded.crc}. Computed crc: ${computed}`);
  }
  return decoded.producerEntries;
}

export function snapshotPath(dir: string, offset: number): string {
  return path.join(dir, segmentFileName(offset, SNAPSHOT_SUFFIX));
}

/** Offsets of the snapshot files in `dir`, ascending. */
export function listSnapshots(dir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    const f = parseSegmentFileName(n);
    if (f && f.suffix === SNAPSHOT_SUFFIX) out.push(f.baseOffset);
  }
  return out.sort((a, b) => a - b);
}

/** Writes a snapshot file atomically (temporary file, fsync, rename, fsync dir: never a torn snapshot under the real name). */
export function writeSnapshotFile(dir: string, offset: number, buf: Buffer): Promise<void> {
  return writeFileAtomic(snapshotPath(dir, offset), buf);
}

export function readSnapshotFileSync(dir: string, offset: number): SnapshotEntry[] {
  return decodeSnapshot(fs.readFileSync(snapshotPath(dir, offset)));
}

export async function deleteSnapshotFile(dir: string, offset: number): Promise<void> {
  await fs.promises.rm(snapshotPath(dir, offset), { force: true });
}
