// LogLoader: turns a partition directory into the segments of a Log, recovering
// after an unclean shutdown (Kafka: LogLoader).
//
// Partition directory `<topic>-<partition>/`:
//   <20 digits>.log / .index / .timeindex   a segment (see log-segment.ts)
//   <20 digits>.txnindex, .snapshot          transaction index / producer snapshots (kept here; read by log-producer-state.ts)
//   *.deleted, *.cleaned, *.tmp              leftovers of interrupted deletes/cleaning/writes: removed
//   <base>.log.swap                          a cleaned segment whose swap was interrupted: it replaces every
//                                            segment with a base offset in [base, its next offset), then is
//                                            renamed to <base>.log (indexes rebuilt); .swap files at or above
//                                            the lowest .cleaned file belong to an unfinished swap and are removed
//   partition.metadata, leader-epoch-checkpoint: other modules' files
//
// Clean shutdown (`.kafka_cleanshutdown` was present): nothing is scanned. Only
// the active segment's indexes are read (to find the log end offset by walking
// the batches after its last index entry); every other segment opens its
// indexes lazily on first use, rebuilding them if missing or corrupt.
//
// Unclean shutdown: every segment from the one containing the recovery point
// onwards is recovered: each batch is validated (length, magic, offsets,
// CRC32C), the file is truncated at the first invalid batch (a torn write
// after kill -9, or garbage), the indexes are rebuilt, and if anything was
// truncated every later segment is deleted.

import fs from 'node:fs';
import path from 'node:path';
import { LogSegment, SegmentConfig } from './log-segment.js';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
  parseSegmentFileName,
  segmentFileName,
} from './log-file-utils.js';
import { CorruptRecordError } from './errors.js';

export interface LoadOptions {
  hadCleanShutdown: boolean;
  recoveryPoint?: number;
  logStartOffset?: number;
}

export interface LoadedLog {
  segments: LogSegment[];
  nextOffset: number;
  recoveryPoint: number;
  logStartOffset: number;
  /** Segments recovered (scanned) during loading. */
  recoveredSegments: number;
  /** Bytes cut from torn/corrupt segment tails, plus whole segments dropped after them. */
  truncatedBytes: number;
}

/** Offset after the last whole batch of a .log file (its base offset when empty). */
function nextOffsetOfFile(file: string, base: number): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(27);
    let next = base;
    for (let pos = 0; pos + 27 <= size; ) {
      fs.readSync(fd, head, 0, 27, pos);
      const len = head.readInt32BE(8) + 12;
      if (len < 61 || pos + len > size) break;
      next = Number(head.readBigInt64BE(0)) + head.readInt32BE(23) + 1;
      pos += len;
    }
    return next;
  } finally {
    fs.closeSync(fd);
  }
}

/** Finish (or discard) cleaner swaps interrupted by a crash (Kafka: LogLoader's swap handling). */
function completeSwaps(dir: string): void {
  let names = fs.readdirSync(dir);
  let minCleaned = Infinity;
  for (const n of names) {
    if (n.endsWith(CLEANED_SUFFIX)) {
      const f = parseSegmentFileName(n.slice(0, -CLEANED_SUFFIX.length));
      if (f) minCleaned = Math.min(minCleaned, f.baseOffset);
    }
  }
  for (const n of names) {
    if (!n.endsWith(SWAP_SUFFIX)) continue;
    const f = parseSegmentFileName(n.slice(0, -SWAP_SUFFIX.length));
    if (!f || f.suffix !== LOG_SUFFIX || f.baseOffset >= minCleaned) fs.rmSync(path.join(dir, n), { force: true });
  }
  names = fs.readdirSync(dir);
  const swaps = names
    .filter((n) => n.endsWith(LOG_SUFFIX + SWAP_SUFFIX))
    .map((n) => parseSegmentFileName(n.slice(0, -SWAP_SUFFIX.length))!.baseOffset)
    .sort((a, b) => a - b);
  for (const base of swaps) {
    const swapFile = path.join(dir, segmentFileName(base, LOG_SUFFIX + SWAP_SUFFIX));
    const next = nextOffsetOfFile(swapFile, base);
    for (const n of fs.readdirSync(dir)) {
      const f = parseSegmentFileName(n);
      if (f && f.baseOffset >= base && f.baseOffset < Math.max(next, base + 1)) fs.rmSync(path.join(dir, n), { force: true });
    }
    fs.renameSync(swapFile, path.join(dir, segmentFileName(base, LOG_SUFFIX)));
  }
}

export async function loadLog(dir: string, config: SegmentConfig, opts: LoadOptions): Promise<LoadedLog> {
  fs.mkdirSync(dir, { recursive: true });
  completeSwaps(dir);
  const names = fs.readdirSync(dir);
  const logFiles = new Set<number>();
  for (const name of names) {
    const f = parseSegmentFileName(name);
    if (f?.suffix === LOG_SUFFIX) logFiles.add(f.baseOffset);
  }
  for (const name of names) {
    const full = path.join(dir, name);
    if (name.endsWith(DELETED_SUFFIX) || name.endsWith(CLEANED_SUFFIX) || name.endsWith('.tmp')) {
      fs.rmSync(full, { force: true });
      continue;
    }
    const f = parseSegmentFileName(name);
    if (f && (f.suffix === INDEX_SUFFIX || f.suffix === TIME_INDEX_SUFFIX || f.suffix === TXN_INDEX_SUFFIX)) {
      if (!logFiles.has(f.baseOffset)) fs.rmSync(full, { force: true }); // orphaned index
    }
  }

  let segments = [...logFiles]
    .sort((a, b) => a - b)
    .map((base) => {
      const size = fs.statSync(path.join(dir, segmentFileName(base, LOG_SUFFIX))).size;
      return LogSegment.existing(dir, base, config, size);
    });

  let recoveredSegments = 0;
  let truncatedBytes = 0;
  const recoverFrom = async (first: number): Promise<void> => {
    for (let i = first; i < segments.length; i++) {
      const seg = segments[i]!;
      seg.active = i === segments.length - 1;
      recoveredSegments++;
      const cut = await seg.recover();
      if (cut > 0) {
        truncatedBytes += cut;
        for (const later of segments.slice(i + 1)) {
          truncatedBytes += later.size;
          await later.delete();
        }
        segments = segments.slice(0, i + 1);
        return;
      }
    }
  };

  if (opts.hadCleanShutdown) {
    const last = segments[segments.length - 1];
    if (last) {
      last.active = true;
      try {
        await last.readNextOffset();
      } catch (err) {
        if (!(err instanceof CorruptRecordError)) throw err;
        await recoverFrom(segments.length - 1);
      }
    }
  } else if (segments.length > 0) {
    const rp = opts.recoveryPoint ?? 0;
    let first = 0;
    for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= rp) first = i;
    await recoverFrom(first);
  }

  let last: LogSegment | undefined = segments[segments.length - 1];
  let nextOffset = last ? (last.nextOffset >= 0 ? last.nextOffset : await last.readNextOffset()) : 0;
  let logStartOffset = Math.max(opts.logStartOffset ?? 0, segments[0]?.baseOffset ?? 0);
  if (last && nextOffset < logStartOffset) {
    // Segments were removed behind our back: start over at the log start offset.
    for (const seg of segments) await seg.delete();
    segments = [];
    last = undefined;
  }
  if (!last) {
    const base = Math.max(opts.logStartOffset ?? 0, 0);
    last = LogSegment.fresh(dir, base, config);
    segments = [last];
    nextOffset = base;
    logStartOffset = base;
  }
  last.active = true;
  await last.ensureFiles();
  await last.ensureIndexes();
  await last.persistIndexes(false); // preallocate the active indexes
  await last.loadFirstBatchTimestamp();

  const recoveryPoint = opts.hadCleanShutdown ? nextOffset : Math.min(opts.recoveryPoint ?? 0, nextOffset);
  return { segments, nextOffset, recoveryPoint, logStartOffset, recoveredSegments, truncatedBytes };
}
