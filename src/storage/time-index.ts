// TimeIndex: the `<20-digit base offset>.timeindex` file of a segment. A sparse
// map from timestamps to offsets, used by ListOffsets-by-timestamp and by
// time-based retention.
//
//   entry (12 bytes, big-endian):
//     0  int64  timestamp        the largest batch maxTimestamp seen so far
//     8  int32  relativeOffset   offset - segment baseOffset of the LAST offset
//                                of the batch that carried that timestamp
//
// Timestamps ascend strictly, relative offsets never decrease. An entry is
// only appended when its timestamp is larger than the last one's: at the same
// points as offset-index entries, and once more (the segment's maximum) when
// the segment is rolled or closed. See index-file.ts for preallocation and
// trimming.

import { IndexFile } from './index-file.js';
import { CorruptIndexError } from './errors.js';
import { readInt64, writeInt64 } from '../protocol/primitives.js';

export const TIME_INDEX_ENTRY_SIZE = 12;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export class TimeIndex extends IndexFile {
  private constructor(path: string, baseOffset: number, maxIndexSize: number) {
    super(path, baseOffset, maxIndexSize, TIME_INDEX_ENTRY_SIZE);
  }

  static empty(path: string, baseOffset: number, maxIndexSize: number): TimeIndex {
    return new TimeIndex(path, baseOffset, maxIndexSize);
  }

  /** Load and sanity-check an existing file; null when missing, CorruptIndexError when malformed. */
  static async load(path: string, baseOffset: number, maxIndexSize: number): Promise<TimeIndex | null> {
    const data = await IndexFile.readFile(path);
    if (data === null) return null;
    const idx = new TimeIndex(path, baseOffset, maxIndexSize);
    idx.adopt(data);
    return idx;
  }

  protected entryValid(data: Buffer, at: number, i: number): boolean {
    const ts = readInt64(data, at);
    const rel = data.readInt32BE(at + 8);
    if (rel < 0) return false;
    if (i === 0) return !(ts === 0 && rel === 0);
    return ts > readInt64(data, at - 12) && rel >= data.readInt32BE(at - 4);
  }

  timestampAt(i: number): number {
    return readInt64(this.buf, i * TIME_INDEX_ENTRY_SIZE);
  }

  entry(i: number): TimestampOffset {
    const at = i * TIME_INDEX_ENTRY_SIZE;
    return { timestamp: readInt64(this.buf, at), offset: this.baseOffset + this.buf.readInt32BE(at + 8) };
  }

  /** The last entry, or (-1, baseOffset) when empty. */
  lastEntry(): TimestampOffset {
    return this.n === 0 ? { timestamp: -1, offset: this.baseOffset } : this.entry(this.n - 1);
  }

  /**
   * Append (timestamp, offset) if the timestamp is larger than the last entry's.
   * `skipFullCheck` is for the final entry written on roll/close.
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    if (!skipFullCheck && this.isFull) return;
    if (this.n > 0) {
      const last = this.lastEntry();
      if (timestamp <= last.timestamp) return;
      if (offset < last.offset) {
        throw new CorruptIndexError(
          `time index ${this.path}: offset ${offset} is below the last entry's offset ${last.offset}`,
        );
      }
    } else if (timestamp < 0) {
      return; // no timestamp (-1) is never indexed
    }
    const rel = offset - this.baseOffset;
    if (rel < 0 || rel > 0x7fffffff) {
      throw new CorruptIndexError(`offset ${offset} cannot be indexed relative to base ${this.baseOffset}`);
    }
    const at = this.appendSlot();
    writeInt64(this.buf, at, timestamp);
    this.buf.writeInt32BE(rel, at + 8);
  }

  /** The entry with the largest timestamp <= target, or (-1, baseOffset). */
  lookup(targetTimestamp: number): TimestampOffset {
    const i = this.largestLowerBound(targetTimestamp, (k) => this.timestampAt(k));
    return i < 0 ? { timestamp: -1, offset: this.baseOffset } : this.entry(i);
  }

  /** Remove every entry whose offset is >= `offset`. */
  truncateTo(offset: number): void {
    // Offsets are non-decreasing: find the first entry at or past `offset`.
    let k = this.n;
    while (k > 0 && this.entry(k - 1).offset >= offset) k--;
    this.truncateToEntries(k);
  }
}
