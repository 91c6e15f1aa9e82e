// Shared machinery of Kafka's two sparse segment indexes (Kafka: AbstractIndex):
// a file of fixed-size big-endian entries sorted by key, preallocated to
// `segment.index.bytes` (rounded down to a whole number of entries) while its
// segment is active and trimmed to exactly `entries * entrySize` bytes when the
// segment is rolled or closed.
//
//   file:  entry 0 | entry 1 | ... | entry n-1 | (zero bytes up to the preallocated size)
//
// Kafka maps the file into memory; Node has no mmap, so the entries live in a
// Buffer that mirrors the file and are written out (only the ones not yet on
// disk) on flush, roll and close. Between those points the file may lag the
// memory copy; that is safe because a segment whose index may be stale is
// above the recovery point and gets its indexes rebuilt by recovery after a
// crash. A preallocated file left by a crash has a run of all-zero entries at
// its end: loading stops at the first all-zero entry that breaks the ordering.

import fs from 'node:fs';
import { closeAsync, fsyncAsync, ftruncateAsync, isNotFound, openAsync, writeAt } from './fs-util.js';
import { CorruptIndexError } from './errors.js';

const INITIAL_CAPACITY = 64;

export abstract class IndexFile {
  /** Entries in memory; [0, n) are valid. */
  protected buf: Buffer;
  protected n = 0;
  readonly maxEntries: number;
  /** Entries [0, diskEntries) are known to be identical on disk. */
  private diskEntries = 0;
  /** Current length of the file (-1: unknown / not yet created). */
  private diskLength = -1;
  /** The file holds entries at or beyond diskEntries that must be cleared. */
  private stale = false;
  private fd: number | null = null;
  /** Changes written since the last fsync. */
  private unsynced = false;
  private chain: Promise<void> = Promise.resolve();
  /**
   * While true (the segment is active) persist() keeps the file at its
   * preallocated size; otherwise it trims the file to the entries. Read when
   * the write runs, so the latest choice wins.
   */
  preallocate = false;

  protected constructor(
    readonly path: string,
    readonly baseOffset: number,
    maxIndexSize: number,
    readonly entrySize: number,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexSize / entrySize));
    this.buf = Buffer.alloc(INITIAL_CAPACITY * entrySize);
  }

  get entries(): number {
    return this.n;
  }

  get isFull(): boolean {
    return this.n >= this.maxEntries;
  }

  /** Bytes the entries take (the trimmed file size). */
  get sizeInBytes(): number {
    return this.n * this.entrySize;
  }

  /** Change the preallocation limit (segment.index.bytes may be altered at run time). */
  setMaxIndexSize(maxIndexSize: number): void {
    (this as { maxEntries: number }).maxEntries = Math.max(1, Math.floor(maxIndexSize / this.entrySize));
  }

  /**
   * Validate file contents and adopt them. Subclasses check ordering of each
   * entry against the previous one; an all-zero entry that breaks ordering is
   * the preallocated tail and ends the entries.
   */
  protected adopt(data: Buffer): void {
    if (data.length % this.entrySize !== 0) {
      throw new CorruptIndexError(
        `index file ${this.path} has size ${data.length}, not a multiple of the entry size ${this.entrySize}`,
      );
    }
    const count = data.length / this.entrySize;
    let n = 0;
    for (; n < count; n++) {
      const at = n * this.entrySize;
      if (!this.entryValid(data, at, n)) {
        if (isZero(data, at, at + this.entrySize)) break;
        throw new CorruptIndexError(`index file ${this.path}: entry ${n} is out of order or out of range`);
      }
    }
    // Everything after the logical end must be the zero-filled preallocation.
    if (!isZero(data, n * this.entrySize, data.length)) {
      throw new CorruptIndexError(`index file ${this.path}: non-zero bytes after entry ${n}`);
    }
    this.ensureCapacity(n);
    data.copy(this.buf, 0, 0, n * this.entrySize);
    this.n = n;
    this.diskEntries = n;
    this.diskLength = data.length;
  }

  /** Is the entry at `at` (index i) well-formed and ordered after entry i-1 (already in `data`)? */
  protected abstract entryValid(data: Buffer, at: number, i: number): boolean;

  /** Reads the whole index file; null when it does not exist. */
  protected static async readFile(path: string): Promise<Buffer | null> {
    try {
      return await fs.promises.readFile(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  protected ensureCapacity(entries: number): void {
    const need = entries * this.entrySize;
    if (need <= this.buf.length) return;
    let cap = this.buf.length || INITIAL_CAPACITY * this.entrySize;
    while (cap < need) cap *= 2;
    const next = Buffer.alloc(cap);
    this.buf.copy(next, 0, 0, this.n * this.entrySize);
    this.buf = next;
  }

  /** Reserve room for one more entry and return its byte position in `buf`. */
  protected appendSlot(): number {
    this.ensureCapacity(this.n + 1);
    return this.n++ * this.entrySize;
  }

  /** Largest entry index whose key is <= target, or -1. Keys ascend strictly. */
  protected largestLowerBound(target: number, keyAt: (i: number) => number): number {
    let lo = 0;
    let hi = this.n - 1;
    if (hi < 0 || keyAt(0) > target) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (keyAt(mid) <= target) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Drop entries [k, n). */
  protected truncateToEntries(k: number): void {
    if (k >= this.n) return;
    this.n = Math.max(0, k);
    if (this.n < this.diskEntries) {
      this.diskEntries = this.n;
      this.stale = true;
    }
  }

  /** Forget every entry (recovery rebuilds from scratch). */
  reset(): void {
    this.truncateToEntries(0);
    if (this.diskLength !== 0) this.stale = true;
  }

  private serialize(fn: () => Promise<void>): Promise<void> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => {});
    return p;
  }

  private async openFd(): Promise<number> {
    if (this.fd === null) {
      this.fd = await openAsync(this.path, fs.constants.O_RDWR | fs.constants.O_CREAT);
      if (this.diskLength < 0) {
        // A fresh in-memory index over an existing file: whatever the file holds
        // beyond the entries we know about is stale.
        this.diskLength = (await fs.promises.stat(this.path)).size;
        if (this.diskLength > this.diskEntries * this.entrySize) this.stale = true;
      }
    }
    return this.fd;
  }

  /**
   * Bring the file up to date with memory, then size it: preallocated
   * (`maxEntries * entrySize` bytes) or trimmed to the entries, per `preallocate`.
   */
  persist(sync: boolean): Promise<void> {
    return this.serialize(async () => {
      const size = this.entrySize;
      const target = () => Math.max(this.preallocate ? this.maxEntries * size : 0, this.diskEntries * size);
      const upToDate =
        this.diskLength >= 0 && !this.stale && this.n <= this.diskEntries && this.diskLength === target();
      if (upToDate && !(sync && this.unsynced)) return;
      const fd = await this.openFd();
      if (this.stale) {
        await ftruncateAsync(fd, this.diskEntries * size);
        this.diskLength = this.diskEntries * size;
        this.stale = false;
        this.unsynced = true;
      }
      const upTo = this.n;
      if (upTo > this.diskEntries) {
        const from = this.diskEntries * size;
        await writeAt(fd, this.buf.subarray(from, upTo * size), from);
        this.diskEntries = upTo;
        this.diskLength = Math.max(this.diskLength, upTo * size);
        this.unsynced = true;
      }
      const length = target();
      if (this.diskLength !== length) {
        await ftruncateAsync(fd, length);
        this.diskLength = length;
        this.unsynced = true;
      }
      if (sync && this.unsynced) {
        await fsyncAsync(fd);
        this.unsynced = false;
      }
      // Only the active segment's indexes keep a descriptor open.
      if (!this.preallocate && !this.unsynced) {
        this.fd = null;
        await closeAsync(fd);
      }
    });
  }

  /** Close the file descriptor (entries stay in memory). */
  close(): Promise<void> {
    return this.serialize(async () => {
      if (this.fd !== null) {
        const fd = this.fd;
        this.fd = null;
        await closeAsync(fd);
      }
    });
  }

  async deleteFile(): Promise<void> {
    await this.close();
    await fs.promises.rm(this.path, { force: true });
    this.diskLength = -1;
    this.diskEntries = 0;
    this.stale = false;
  }

  /** Copy of the entry bytes, for tests and tools. */
  entryBytes(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.n * this.entrySize));
  }
}

function isZero(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}
