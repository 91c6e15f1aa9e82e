// LogSegment: one segment of a partition's log, three files named after the
// segment's base offset (the first offset it may hold), zero-padded to 20 digits:
//
//   00000000000000000000.log        record batches back to back, exactly as on the wire
//                                   (layout in batch-scan.ts / protocol/records/batch-header.ts)
//   00000000000000000000.index      OffsetIndex: 8-byte entries [relativeOffset int32, position int32]
//   00000000000000000000.timeindex  TimeIndex: 12-byte entries [timestamp int64, relativeOffset int32]
//
// The active (last) segment takes appends; its indexes are preallocated to
// segment.index.bytes and trimmed when it is rolled or closed. Offsets inside a
// segment must fit in an int32 relative to the base offset.
//
// Concurrency model: the owning Log serialises writes (one writev at a time,
// at explicit positions) and calls assignBatch() synchronously when it hands
// out offsets, so the in-memory indexes run slightly ahead of the file; reads
// only look at [0, size) (bytes whose write completed) and clamp index lookups
// to offsets below the log's high watermark. Reads hold a reference so that
// close()/delete() never close a file descriptor under an in-flight read.

import fs from 'node:fs';
import path from 'node:path';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { BatchCursor, BatchInfo, crcValid, headerProblem, parseHeader, searchBatchForTimestamp } from './batch-scan.js';
import { BATCH_HEADER_SIZE } from '../protocol/records/batch-header.js';
import { closeAsync, fsyncAsync, ftruncateAsync, openAsync, readAt, writevAll, writevAllSync, type ReadAlloc } from './fs-util.js';
import { CorruptIndexError, StorageError } from './errors.js';
import type { Decompressor } from './log-config.js';
import { removeFiles } from './file-remover.js';
import { DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX, segmentFileName } from './log-file-utils.js';

export interface SegmentConfig {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
  segmentMs: number;
  segmentJitterMs?: number;
}

/** Thrown by reads that raced with close()/delete(); the Log retries. */
export class SegmentClosedError extends StorageError {
  override name = 'SegmentClosedError';
  constructor(file: string) {
    super('INVALID_STATE', `segment ${file} is closed`);
  }
}

/** Chunk size for sequential scans (recovery, index rebuild). */
const SCAN_CHUNK = 1 << 20;
/** Upper bound of one read on the fetch path. */
const MAX_READ_AHEAD = 16 << 20;

export interface SegmentReadResult {
  /** A batch with lastOffset >= fetchOffset exists in this segment. */
  found: boolean;
  records: Buffer[];
  size: number;
}

export interface TimestampHit {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export class LogSegment {
  logPath: string;
  indexPath: string;
  timeIndexPath: string;
  /** Renamed away (.deleted): still readable by in-flight reads, never written again. */
  private detached = false;
  /** Bytes whose write completed: the readable end of the file. */
  size: number;
  /** Bytes handed out to appends (size plus writes in flight). */
  pendingSize: number;
  /** Bytes known to be fsynced. */
  flushedSize: number;
  /** Offset after the last batch; -1 while unknown (inactive segments loaded lazily). */
  nextOffset: number;
  private _active = false;
  /** Wall-clock creation time, for segment.ms when batches carry no timestamp. */
  created = Date.now();
  readonly rollJitterMs: number;
  /** maxTimestamp of the first batch (segment.ms is measured from it), null if unknown. */
  rollingBasedTimestamp: number | null = null;

  private maxTs = -1;
  private offsetOfMaxTs: number;
  private bytesSinceLastIndexEntry = 0;
  private oi: OffsetIndex | null = null;
  private ti: TimeIndex | null = null;
  private indexLoad: Promise<void> | null = null;
  private fd: number | null = null;
  private fdOpen: Promise<number> | null = null;
  private filesCreated: boolean;
  private inflight = 0;
  private closed = false;
  private idle: (() => void) | null = null;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    public config: SegmentConfig,
    size: number,
    filesCreated: boolean,
  ) {
    this.logPath = path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.indexPath = path.join(dir, segmentFileName(baseOffset, INDEX_SUFFIX));
    this.timeIndexPath = path.join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX));
    this.size = this.pendingSize = this.flushedSize = size;
    this.nextOffset = size === 0 ? baseOffset : -1;
    this.offsetOfMaxTs = baseOffset;
    this.filesCreated = filesCreated;
    const jitter = Math.min(config.segmentJitterMs ?? 0, config.segmentMs);
    this.rollJitterMs = jitter > 0 ? Math.floor(Math.random() * jitter) : 0;
  }

  /** A new, empty segment; its files are created by ensureFiles() (before the first write). */
  static fresh(dir: string, baseOffset: number, config: SegmentConfig): LogSegment {
    const seg = new LogSegment(dir, baseOffset, config, 0, false);
    seg.installIndexes(
      OffsetIndex.empty(seg.indexPath, baseOffset, config.segmentIndexBytes),
      TimeIndex.empty(seg.timeIndexPath, baseOffset, config.segmentIndexBytes),
    );
    return seg;
  }

  /** An existing segment of `size` bytes; indexes are loaded lazily. */
  static existing(dir: string, baseOffset: number, config: SegmentConfig, size: number): LogSegment {
    return new LogSegment(dir, baseOffset, config, size, true);
  }

  /** Is this the log's active segment (indexes preallocated)? */
  get active(): boolean {
    return this._active;
  }
  set active(v: boolean) {
    this._active = v;
    if (this.oi) this.oi.preallocate = v;
    if (this.ti) this.ti.preallocate = v;
  }

  get closedForIO(): boolean {
    return this.closed;
  }

  get indexesLoaded(): boolean {
    return this.oi !== null && this.ti !== null;
  }

  get offsetIndex(): OffsetIndex {
    if (!this.oi) throw new StorageError('INVALID_STATE', `indexes of ${this.logPath} are not loaded`);
    return this.oi;
  }

  get timeIndex(): TimeIndex {
    if (!this.ti) throw new StorageError('INVALID_STATE', `indexes of ${this.logPath} are not loaded`);
    return this.ti;
  }

  /** Largest batch maxTimestamp in the segment (-1 if none) and the last offset of that batch. Needs indexes. */
  get maxTimestampSoFar(): { timestamp: number; offset: number } {
    return { timestamp: this.maxTs, offset: this.offsetOfMaxTs };
  }

  // ---- files -------------------------------------------------------------

  /** Create the files of a fresh segment (log truncated, indexes preallocated). */
  async ensureFiles(): Promise<void> {
    if (this.filesCreated) return;
    this.filesCreated = true;
    this.fdOpen = openAsync(this.logPath, 'w+');
    this.fd = await this.fdOpen;
    await this.persistIndexes(false);
  }

  private openFd(): Promise<number> {
    if (this.fd !== null) return Promise.resolve(this.fd);
    this.fdOpen ??= openAsync(this.logPath, fs.constants.O_RDWR).then(
      (fd) => (this.fd = fd),
      (err) => {
        this.fdOpen = null;
        // A segment being deleted (renamed .deleted) may be opened by its old name: its readers retry.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && (this.detached || this.closed)) throw new SegmentClosedError(this.logPath);
        throw err;
      },
    );
    return this.fdOpen;
  }

  private async readRaw(position: number, length: number, alloc?: ReadAlloc): Promise<Buffer> {
    if (this.closed) throw new SegmentClosedError(this.logPath);
    this.inflight++;
    try {
      return await readAt(await this.openFd(), position, length, alloc);
    } finally {
      if (--this.inflight === 0 && this.idle) this.idle();
    }
  }

  private cursor(end: number, readAhead: number, alloc?: ReadAlloc): BatchCursor {
    return new BatchCursor((p, n) => this.readRaw(p, n, alloc), end, readAhead);
  }

  // ---- indexes -------------------------------------------------------------

  /** Load (and sanity-check) the index files; rebuild them from the log when missing or corrupt. */
  ensureIndexes(): Promise<void> {
    if (this.oi && this.ti) return Promise.resolve();
    this.indexLoad ??= this.loadIndexes().finally(() => (this.indexLoad = null));
    return this.indexLoad;
  }

  private async loadIndexes(): Promise<void> {
    if (this.closed) throw new SegmentClosedError(this.logPath);
    try {
      const maxSize = this.config.segmentIndexBytes;
      const oi = await OffsetIndex.load(this.indexPath, this.baseOffset, maxSize, this.size);
      const ti = await TimeIndex.load(this.timeIndexPath, this.baseOffset, maxSize);
      if (oi && ti) {
        this.installIndexes(oi, ti);
        const last = ti.lastEntry();
        if (last.timestamp > this.maxTs) {
          this.maxTs = last.timestamp;
          this.offsetOfMaxTs = last.offset;
        }
        return;
      }
    } catch (err) {
      if (!(err instanceof CorruptIndexError)) throw err;
    }
    await this.scan(false);
    await this.persistIndexes(false);
  }

  private installIndexes(oi: OffsetIndex, ti: TimeIndex): void {
    oi.preallocate = ti.preallocate = this._active;
    this.oi = oi;
    this.ti = ti;
  }

  /** Write index entries to their files: preallocated when active, trimmed otherwise. */
  async persistIndexes(sync: boolean): Promise<void> {
    if (!this.oi || !this.ti || this.closed || this.detached) return;
    await Promise.all([this.oi.persist(sync), this.ti.persist(sync)]);
  }

  // ---- appends -------------------------------------------------------------

  /**
   * Account for one batch handed out at position pendingSize (synchronous; the
   * bytes are written later by write()). Adds index entries as Kafka does: when
   * more than index.interval.bytes were appended since the last entry, an entry
   * (batch lastOffset -> batch start) and a time-index entry for the maximum
   * timestamp so far.
   */
  assignBatch(size: number, lastOffset: number, maxTimestamp: number): void {
    const position = this.pendingSize;
    if (position === 0) this.rollingBasedTimestamp = maxTimestamp;
    if (maxTimestamp > this.maxTs) {
      this.maxTs = maxTimestamp;
      this.offsetOfMaxTs = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTs, this.offsetOfMaxTs);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    this.pendingSize = position + size;
    this.nextOffset = lastOffset + 1;
  }

  /** Write bytes at the current end (the Log serialises calls). */
  async write(bufs: Buffer[], bytes: number): Promise<void> {
    await this.ensureFiles();
    const fd = await this.openFd();
    await writevAll(fd, bufs, this.size);
    this.size += bytes;
  }

  /** Can writeInline() run now: the files exist and the log file is open? */
  get writableInline(): boolean {
    return this.filesCreated && this.fd !== null && !this.closed;
  }

  /** write() on the calling thread; only when writableInline (the Log serialises calls). */
  writeInline(bufs: Buffer[], bytes: number): void {
    writevAllSync(this.fd!, bufs, this.size);
    this.size += bytes;
  }

  /** Should the next append of `bytes` bytes (max timestamp `maxTimestamp`, last offset `lastOffset`) go to a new segment? */
  shouldRoll(segmentBytes: number, segmentMs: number, bytes: number, maxTimestamp: number, lastOffset: number, now: number): boolean {
    const size = this.pendingSize;
    if (size === 0) return false;
    if (size > segmentBytes - bytes) return true;
    if (this.timeWaitedForRoll(now, maxTimestamp) > segmentMs - this.rollJitterMs) return true;
    return this.offsetIndex.isFull || this.timeIndex.isFull || !this.offsetIndex.canAppendOffset(lastOffset);
  }

  /** Time since the segment's first batch (by record time), or since creation (wall clock). */
  timeWaitedForRoll(now: number, messageTimestamp: number): number {
    const ts = this.rollingBasedTimestamp;
    return ts !== null && ts >= 0 ? messageTimestamp - ts : now - this.created;
  }

  /** Load rollingBasedTimestamp from the first batch of an existing segment. */
  async loadFirstBatchTimestamp(): Promise<void> {
    if (this.rollingBasedTimestamp !== null || this.size < BATCH_HEADER_SIZE) return;
    const h = await this.cursor(this.size, BATCH_HEADER_SIZE).header(0);
    if (h) this.rollingBasedTimestamp = h.maxTimestamp;
  }

  // ---- reads ---------------------------------------------------------------

  /**
   * First batch whose lastOffset >= offset among bytes [0, maxPosition), found
   * through the offset index and a header walk; null if there is none.
   */
  async findBatch(offset: number, maxPosition = this.size): Promise<BatchInfo | null> {
    await this.ensureIndexes();
    let pos = this.offsetIndex.lookup(offset).position;
    const cur = this.cursor(maxPosition, Math.max(this.config.indexIntervalBytes * 2, 8192));
    for (;;) {
      const h = await cur.header(pos);
      if (!h) return null;
      if (h.lastOffset >= offset) return h;
      pos += h.size;
    }
  }

  /**
   * Whole batches starting with the one containing fetchOffset, within
   * [0, maxPosition), each with lastOffset < limitOffset, totalling at most
   * maxBytes (or exactly one batch, however large, if minOneBatch). With
   * `alloc`, reads go into buffers it supplies (the network fetch path's pool).
   */
  async read(
    fetchOffset: number,
    maxBytes: number,
    minOneBatch: boolean,
    limitOffset: number,
    maxPosition = this.size,
    alloc?: ReadAlloc,
  ): Promise<SegmentReadResult> {
    await this.ensureIndexes();
    const start = this.offsetIndex.lookup(Math.min(fetchOffset, limitOffset - 1)).position;
    if (start >= maxPosition) return { found: false, records: [], size: 0 };
    const budget = Math.max(0, maxBytes);
    const cur = this.cursor(
      maxPosition,
      Math.min(MAX_READ_AHEAD, this.config.indexIntervalBytes + budget + BATCH_HEADER_SIZE),
      alloc,
    );
    // Phase 1: walk headers to the batch holding fetchOffset.
    let pos = start;
    let h: BatchInfo | null;
    for (;;) {
      h = await cur.header(pos);
      if (!h) return { found: false, records: [], size: 0 };
      if (h.lastOffset >= fetchOffset) break;
      pos += h.size;
    }
    // Phase 2: take whole batches while they fit.
    const records: Buffer[] = [];
    let size = 0;
    let pieceBuf: Buffer | null = null;
    let pieceFrom = 0;
    let pieceTo = 0;
    while (h && h.lastOffset < limitOffset) {
      if (size + h.size > budget && !(minOneBatch && size === 0)) break;
      cur.readAhead = Math.min(MAX_READ_AHEAD, Math.max(budget - size, h.size) + BATCH_HEADER_SIZE);
      const w = await cur.window(pos, h.size);
      if (w.buf === pieceBuf && w.at === pieceTo) {
        pieceTo += h.size;
      } else {
        if (pieceBuf) records.push(pieceBuf.subarray(pieceFrom, pieceTo));
        pieceBuf = w.buf;
        pieceFrom = w.at;
        pieceTo = w.at + h.size;
      }
      size += h.size;
      pos += h.size;
      if (budget - size < BATCH_HEADER_SIZE) break;
      h = await cur.header(pos);
    }
    if (pieceBuf) records.push(pieceBuf.subarray(pieceFrom, pieceTo));
    return { found: true, records, size };
  }

  /**
   * The first record with timestamp >= target and offset >= startingOffset,
   * searching bytes [0, maxPosition) and offsets below limitOffset.
   */
  async findOffsetByTimestamp(
    target: number,
    startingOffset: number,
    limitOffset: number,
    decompress?: Decompressor,
    maxPosition = this.size,
  ): Promise<TimestampHit | null> {
    await this.ensureIndexes();
    const fromTime = this.timeIndex.lookup(target).offset;
    let pos = this.offsetIndex.lookup(Math.min(Math.max(fromTime, startingOffset), limitOffset - 1)).position;
    const cur = this.cursor(maxPosition, SCAN_CHUNK);
    for (;;) {
      const h = await cur.header(pos);
      if (!h || h.baseOffset >= limitOffset) return null;
      if (h.maxTimestamp >= target && h.lastOffset >= startingOffset) {
        const batch = await cur.bytes(pos, pos + h.size);
        const hit = await searchBatchForTimestamp(batch, target, startingOffset, decompress);
        if (hit) return { ...hit, leaderEpoch: h.partitionLeaderEpoch };
      }
      pos += h.size;
    }
  }

  /** The batch (header and bytes) whose maxTimestamp equals the segment's maximum. */
  async batchWithMaxTimestamp(): Promise<{ header: BatchInfo; bytes: Buffer } | null> {
    await this.ensureIndexes();
    if (this.maxTs < 0) return null;
    let pos = this.offsetIndex.lookup(this.offsetOfMaxTs).position;
    const cur = this.cursor(this.size, SCAN_CHUNK);
    for (;;) {
      const h = await cur.header(pos);
      if (!h) return null;
      if (h.maxTimestamp === this.maxTs) return { header: h, bytes: await cur.bytes(pos, pos + h.size) };
      pos += h.size;
    }
  }

  /** Walk from the last index entry to the end: the offset after the last batch. */
  async readNextOffset(): Promise<number> {
    await this.ensureIndexes();
    const last = this.offsetIndex.lastEntry();
    const cur = this.cursor(this.size, SCAN_CHUNK);
    let pos = last.position;
    let next = this.baseOffset;
    for (;;) {
      const h = await cur.header(pos);
      if (!h) break;
      next = h.lastOffset + 1;
      pos += h.size;
    }
    this.nextOffset = next;
    this.bytesSinceLastIndexEntry = this.size - last.position;
    return next;
  }

  // ---- recovery ------------------------------------------------------------

  /**
   * Scan the whole file validating every batch (length, magic, offsets
   * ascending and within int32 of the base, CRC32C) and rebuild both indexes.
   * With `truncate`, cut the file at the first invalid batch. Returns the
   * number of invalid bytes found at the end.
   */
  async scan(truncate: boolean): Promise<number> {
    if (this.closed) throw new SegmentClosedError(this.logPath);
    const fd = await this.openFd();
    const fileSize = (await fs.promises.stat(this.logPath)).size;
    const maxSize = this.config.segmentIndexBytes;
    const oi = OffsetIndex.empty(this.indexPath, this.baseOffset, maxSize);
    const ti = TimeIndex.empty(this.timeIndexPath, this.baseOffset, maxSize);
    const cur = this.cursor(fileSize, SCAN_CHUNK);
    let pos = 0;
    let next = this.baseOffset;
    let maxTs = -1;
    let offMax = this.baseOffset;
    let bytesSince = 0;
    let firstTs: number | null = null;
    while (pos < fileSize) {
      const avail = fileSize - pos;
      if (avail < BATCH_HEADER_SIZE) break;
      const head = await cur.window(pos, BATCH_HEADER_SIZE);
      if (headerProblem(head.buf, head.at, avail)) break;
      const h = parseHeader(head.buf, head.at, pos);
      if (h.baseOffset < next || !oi.canAppendOffset(h.lastOffset)) break;
      const whole = await cur.window(pos, h.size);
      if (!crcValid(whole.buf, whole.at, h.size)) break;
      if (firstTs === null) firstTs = h.maxTimestamp;
      if (h.maxTimestamp > maxTs) {
        maxTs = h.maxTimestamp;
        offMax = h.lastOffset;
      }
      if (bytesSince > this.config.indexIntervalBytes) {
        oi.append(h.lastOffset, pos);
        ti.maybeAppend(maxTs, offMax);
        bytesSince = 0;
      }
      bytesSince += h.size;
      pos += h.size;
      next = h.lastOffset + 1;
    }
    const invalid = fileSize - pos;
    if (truncate && invalid > 0) await ftruncateAsync(fd, pos);
    const end = truncate ? pos : fileSize;
    this.size = this.pendingSize = end;
    this.flushedSize = Math.min(this.flushedSize, end);
    this.nextOffset = next;
    this.maxTs = maxTs;
    this.offsetOfMaxTs = offMax;
    this.bytesSinceLastIndexEntry = bytesSince;
    this.rollingBasedTimestamp = firstTs;
    if (!this.active) ti.maybeAppend(maxTs, offMax, true);
    this.installIndexes(oi, ti);
    return invalid;
  }

  /** Recovery after an unclean shutdown: validate, truncate a torn/corrupt tail, rebuild indexes. */
  async recover(): Promise<number> {
    const truncated = await this.scan(true);
    await this.persistIndexes(false);
    return truncated;
  }

  /**
   * Remove every batch with lastOffset >= offset (the batch containing offset
   * included) and the index entries that point at them. Returns bytes removed.
   */
  async truncateTo(offset: number): Promise<number> {
    await this.ensureIndexes();
    const b = await this.findBatch(offset);
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    if (!b) return 0;
    const removed = this.size - b.position;
    await ftruncateAsync(await this.openFd(), b.position);
    this.size = this.pendingSize = b.position;
    this.flushedSize = Math.min(this.flushedSize, b.position);
    this.nextOffset = b.baseOffset;
    // Recompute the maximum timestamp and the index spacing from what is left.
    const lastTime = this.timeIndex.lastEntry();
    this.maxTs = lastTime.timestamp;
    this.offsetOfMaxTs = lastTime.offset;
    const lastIdx = this.offsetIndex.lastEntry();
    const cur = this.cursor(this.size, SCAN_CHUNK);
    for (let pos = lastIdx.position; ; ) {
      const h = await cur.header(pos);
      if (!h) break;
      if (h.maxTimestamp > this.maxTs) {
        this.maxTs = h.maxTimestamp;
        this.offsetOfMaxTs = h.lastOffset;
      }
      pos += h.size;
    }
    this.bytesSinceLastIndexEntry = this.size - lastIdx.position;
    if (this.size === 0) {
      this.rollingBasedTimestamp = null;
      this.created = Date.now();
      this.bytesSinceLastIndexEntry = 0;
    }
    return removed;
  }

  // ---- lifecycle -----------------------------------------------------------

  /** On roll: append the final time-index entry (the segment's maximum) and trim the indexes. */
  async onBecomeInactive(): Promise<void> {
    this.active = false;
    if (this.closed) return;
    await this.ensureIndexes();
    this.timeIndex.maybeAppend(this.maxTs, this.offsetOfMaxTs, true);
    await this.persistIndexes(false);
  }

  /** fsync the log file (if anything was written since the last flush) and the indexes. */
  async flush(): Promise<void> {
    if (this.closed) return;
    const upTo = this.size;
    if (upTo > this.flushedSize && this.filesCreated) {
      await fsyncAsync(await this.openFd());
      this.flushedSize = Math.max(this.flushedSize, upTo);
    }
    if (this.filesCreated) await this.persistIndexes(true);
  }

  private waitIdle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  /** Wait for in-flight reads, write the final time-index entry, trim and sync indexes, close files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.waitIdle();
    if (this.filesCreated && this.oi && this.ti) {
      this.active = false;
      if (this.maxTs >= 0) this.ti.maybeAppend(this.maxTs, this.offsetOfMaxTs, true);
      await Promise.all([this.oi.persist(true), this.ti.persist(true)]);
    }
    await Promise.all([this.oi?.close(), this.ti?.close()]);
    await this.closeLogFd();
  }

  private async closeLogFd(): Promise<void> {
    const fd = this.fd ?? (this.fdOpen ? await this.fdOpen.catch(() => null) : null);
    this.fd = null;
    this.fdOpen = null;
    if (fd !== null) {
      if (this.size > this.flushedSize) await fsyncAsync(fd);
      this.flushedSize = this.size;
      await closeAsync(fd);
    }
  }

  /** Release file descriptors without writing anything (after in-flight reads end). */
  async closeHandles(): Promise<void> {
    this.closed = true;
    await this.waitIdle();
    await Promise.all([this.oi?.close(), this.ti?.close()]);
    const fd = this.fd ?? (this.fdOpen ? await this.fdOpen.catch(() => null) : null);
    this.fd = null;
    this.fdOpen = null;
    if (fd !== null) await closeAsync(fd);
  }

  /** Close without writing anything and remove the segment's files (after in-flight reads end). */
  async delete(): Promise<void> {
    await this.closeHandles();
    const txn = this.detached ? path.join(this.dir, segmentFileName(this.baseOffset, TXN_INDEX_SUFFIX + DELETED_SUFFIX))
      : path.join(this.dir, segmentFileName(this.baseOffset, TXN_INDEX_SUFFIX));
    await removeFiles([this.logPath, this.indexPath, this.timeIndexPath, txn]);
  }

  /**
   * First step of Kafka's asynchronous segment deletion: rename every file of
   * the segment to `<name>.deleted` (open descriptors keep working, so reads in
   * flight finish); nothing is written to the files afterwards. delete()
   * removes them later. A crash in between leaves .deleted files, which the
   * loader removes.
   */
  async renameToDeleted(): Promise<void> {
    this.detached = true;
    if (this.indexesLoaded && !this.closed) {
      // Index entries only in memory are lost with the rename; that is fine for a segment going away.
    }
    const renames: [string, string][] = [
      [this.logPath, this.logPath + DELETED_SUFFIX],
      [this.indexPath, this.indexPath + DELETED_SUFFIX],
      [this.timeIndexPath, this.timeIndexPath + DELETED_SUFFIX],
      [path.join(this.dir, segmentFileName(this.baseOffset, TXN_INDEX_SUFFIX)), path.join(this.dir, segmentFileName(this.baseOffset, TXN_INDEX_SUFFIX + DELETED_SUFFIX))],
    ];
    for (const [from, to] of renames) {
      try {
        await fs.promises.rename(from, to);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    this.logPath += DELETED_SUFFIX;
    this.indexPath += DELETED_SUFFIX;
    this.timeIndexPath += DELETED_SUFFIX;
  }

  /** Kafka's LogSegment.largestTimestamp: the largest record timestamp, else the file's modification time. Needs indexes. */
  async largestTimestamp(): Promise<number> {
    await this.ensureIndexes();
    if (this.maxTs > 0) return this.maxTs;
    try {
      return (await fs.promises.stat(this.logPath)).mtimeMs;
    } catch {
      return this.created;
    }
  }
}
