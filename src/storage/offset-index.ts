// OffsetIndex: the `<20-digit base offset>.index` file of a segment. A sparse
// map from offsets to byte positions in the segment's .log file.
//
//   entry (8 bytes, big-endian):
//     0  int32  relativeOffset   offset - segment baseOffset
//     4  int32  position         byte position in the .log file of the batch
//
// Entries ascend strictly in both fields. An entry is added for a batch when
// more than `index.interval.bytes` bytes were appended since the previous
// entry; it records the batch's LAST offset and the position where that batch
// STARTS (what Kafka's recovery writes and kafka-dump-log checks). Position 0
// is never indexed: lookup() falls back to (baseOffset, 0) when no entry is
// <= the target. See index-file.ts for preallocation and trimming.

import { IndexFile } from './index-file.js';
import { CorruptIndexError } from './errors.js';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex extends IndexFile {
  /** Largest position that entries may point at (exclusive); Infinity when unchecked. */
  private readonly logSize: number;

  private constructor(path: string, baseOffset: number, maxIndexSize: number, logSize = Infinity) {
    super(path, baseOffset, maxIndexSize, OFFSET_INDEX_ENTRY_SIZE);
    this.logSize = logSize;
  }

  /** A new, empty index (the file is created on the first persist()). */
  static empty(path: string, baseOffset: number, maxIndexSize: number): OffsetIndex {
    return new OffsetIndex(path, baseOffset, maxIndexSize);
  }

  /**
   * Load and sanity-check an existing file. Returns null when the file is
   * missing; throws CorruptIndexError when it is malformed or points past
   * `logSize` bytes of log.
   */
  static async load(path: string, baseOffset: number, maxIndexSize: number, logSize: number): Promise<OffsetIndex | null> {
    const data = await IndexFile.readFile(path);
    if (data === null) return null;
    const idx = new OffsetIndex(path, baseOffset, maxIndexSize, logSize);
    idx.adopt(data);
    return idx;
  }

  protected entryValid(data: Buffer, at: number, i: number): boolean {
    const rel = data.readInt32BE(at);
    const pos = data.readInt32BE(at + 4);
    if (rel < 0 || pos < 0 || pos >= this.logSize) return false;
    if (i === 0) return !(rel === 0 && pos === 0);
    return rel > data.readInt32BE(at - 8) && pos > data.readInt32BE(at - 4);
  }

  relativeOffsetAt(i: number): number {
    return this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE);
  }

  entry(i: number): OffsetPosition {
    const at = i * OFFSET_INDEX_ENTRY_SIZE;
    return { offset: this.baseOffset + this.buf.readInt32BE(at), position: this.buf.readInt32BE(at + 4) };
  }

  /** The last entry, or (baseOffset, 0) when empty. */
  lastEntry(): OffsetPosition {
    return this.n === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this.n - 1);
  }

  /** Can `offset` be stored relative to the base offset in an int32? */
  canAppendOffset(offset: number): boolean {
    const rel = offset - this.baseOffset;
    return rel >= 0 && rel <= 0x7fffffff;
  }

  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    if (!this.canAppendOffset(offset)) {
      throw new CorruptIndexError(`offset ${offset} cannot be indexed relative to base ${this.baseOffset}`);
    }
    if (this.n > 0) {
      const last = this.lastEntry();
      if (offset <= last.offset || position <= last.position) {
        throw new CorruptIndexError(
          `index ${this.path}: entry (${offset}, ${position}) does not follow (${last.offset}, ${last.position})`,
        );
      }
    }
    const at = this.appendSlot();
    this.buf.writeInt32BE(rel, at);
    this.buf.writeInt32BE(position, at + 4);
  }

  /** The entry with the largest offset <= target, or (baseOffset, 0). */
  lookup(targetOffset: number): OffsetPosition {
    const i = this.largestLowerBound(targetOffset - this.baseOffset, (k) => this.relativeOffsetAt(k));
    return i < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(i);
  }

  /** Remove every entry whose offset is >= `offset`. */
  truncateTo(offset: number): void {
    const i = this.largestLowerBound(offset - this.baseOffset - 1, (k) => this.relativeOffsetAt(k));
    this.truncateToEntries(i + 1);
  }
}
