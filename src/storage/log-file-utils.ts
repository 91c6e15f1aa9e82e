// File naming inside a partition directory (Kafka: LogFileUtils). A segment's
// files are named after its base offset, zero-padded to 20 digits:
//
//   00000000000000000000.log         record batches
//   00000000000000000000.index       offset index
//   00000000000000000000.timeindex   time index
//   00000000000000000000.txnindex    aborted transactions (transaction-index.ts)
//   00000000000000000000.snapshot    producer state snapshot at that offset (producer-snapshot.ts)
//   <any of the above>.deleted       being deleted; removed at the next load
//   <any of the above>.cleaned/.swap intermediate files of the log cleaner

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
export const SNAPSHOT_SUFFIX = '.snapshot';
export const DELETED_SUFFIX = '.deleted';
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';

/** `<20-digit zero-padded offset><suffix>`. */
export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

const SEGMENT_FILE = /^(\d{20})(\.log|\.index|\.timeindex|\.txnindex|\.snapshot)$/;

/** The base offset and suffix of a segment file name, or null for other files. */
export function parseSegmentFileName(name: string): { baseOffset: number; suffix: string } | null {
  const m = SEGMENT_FILE.exec(name);
  return m ? { baseOffset: Number(m[1]), suffix: m[2]! } : null;
}
