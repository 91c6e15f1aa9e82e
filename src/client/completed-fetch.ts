// One partition's fetched answer as the consumer buffers it (Kafka's
// CompletedFetch): its compressed batches checked (CRC) and decompressed when
// it arrived, the CRCs of the others checked and the records decoded only
// when poll() reaches them, a batch at a
// time, straight into the ConsumerRecord objects poll() returns. So the
// fetcher can ask for the next answer as soon as this one is in, while the
// application's poll() loop does the decoding; and a record that cannot be
// decoded is reported when poll() gets to it, after the records before it.
//
// read_committed (Kafka's Fetcher): the answer's aborted transactions, by
// first offset; a transactional batch of a producer whose aborted
// transaction began at or before the batch's last offset is dropped, until
// that producer's ABORT marker. Control batches never reach the application.

import { isCrcValid, type BatchSection } from '../protocol/records/batch.js';
import { CRC, CompressionType, TimestampType } from '../protocol/records/batch-header.js';
import { CorruptRecordError } from '../protocol/records/errors.js';
import { decodeRecords, visitRecords } from '../protocol/records/records.js';
import type { ConsumerRecord } from './consumer.js';

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
}

export class CompletedFetch {
  /** Decoded records of the batches reached so far, from `next` on not yet handed out. */
  records: ConsumerRecord<unknown, unknown>[] = [];
  next = 0;
  /** The offset after the answer's last whole batch: where the partition goes once it is handed out. */
  readonly nextOffset: number;
  private batch = 0;
  private nextAborted = 0;
  private readonly abortedProducers = new Set<number>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Offset the answer was fetched from (records before it are skipped). */
    readonly fetchOffset: number,
    private readonly batches: BatchSection[],
    /** read_committed: the answer's aborted transactions sorted by first offset; null under read_uncommitted. */
    private readonly aborted: AbortedTxn[] | null,
    /** The partition's seek epoch when fetched. */
    readonly epoch: number,
    /** The answer's bytes, when the CRCs of its uncompressed batches are to be checked as they are reached (check.crcs). */
    private readonly unchecked: Buffer | null = null,
  ) {
    let nextOffset = fetchOffset;
    for (const { info } of batches) nextOffset = Math.max(nextOffset, info.baseOffset + info.lastOffsetDelta + 1);
    this.nextOffset = nextOffset;
  }

  /** Records left to hand out in the batches reached so far. */
  get buffered(): number {
    return this.records.length - this.next;
  }

  /**
   * Decodes the next batches that hold records for the application, until
   * some are buffered; false when the answer is used up. Throws the record
   * format error of a batch that cannot be decoded (the batch stays next).
   */
  fill(): boolean {
    const { topic, partition, fetchOffset } = this;
    const out: ConsumerRecord<unknown, unknown>[] = [];
    while (out.length === 0 && this.batch < this.batches.length) {
      const { info: b, records: section } = this.batches[this.batch]!;
      const last = b.baseOffset + b.lastOffsetDelta;
      const count = Math.max(0, b.recordsCount);
      if (last < fetchOffset || !this.accept(b.isTransactional, b.isControl, b.producerId, last, section, count)) {
        this.batch++;
        continue;
      }
      // Kafka's client checks a batch's CRC when it reaches it, too.
      if (this.unchecked !== null && b.compression === CompressionType.None && !isCrcValid(this.unchecked, b.offset)) {
        throw new CorruptRecordError(
          `Record batch for partition ${topic}-${partition} at offset ${b.baseOffset} is invalid, cause: Record is corrupt (stored crc = ${this.unchecked.readUInt32BE(b.offset + CRC)})`,
        );
      }
      const base = b.baseOffset;
      // Kafka's rule: under LogAppendTime every record has the batch's maxTimestamp.
      const logAppend = b.timestampType === TimestampType.LogAppendTime;
      const tsBase = logAppend ? b.maxTimestamp : b.baseTimestamp;
      const timestampType = logAppend ? 'LogAppendTime' : 'CreateTime';
      visitRecords(section, 0, section.length, count, (offsetDelta, timestampDelta, key, value, headers) => {
        const offset = base + offsetDelta;
        if (offset < fetchOffset) return;
        out.push({ topic, partition, offset, timestamp: logAppend ? tsBase : tsBase + timestampDelta, timestampType, key, value, headers });
      });
      this.batch++;
    }
    this.records = out;
    this.next = 0;
    return out.length > 0;
  }

  /** Whether a batch's records reach the application (control batches and aborted transactions do not). */
  private accept(transactional: boolean, control: boolean, producerId: number, last: number, section: Buffer, count: number): boolean {
    const aborted = this.aborted;
    if (aborted !== null && transactional) {
      if (control) {
        const key = count > 0 ? decodeRecords(section, 0, section.length, count)[0]?.key : null;
        // The control record's key: version int16, type int16 (0 = ABORT, 1 = COMMIT).
        if (key && key.length >= 4 && key.readInt16BE(2) === 0) this.abortedProducers.delete(producerId);
        return false;
      }
      while (this.nextAborted < aborted.length && aborted[this.nextAborted]!.firstOffset <= last) {
        this.abortedProducers.add(aborted[this.nextAborted++]!.producerId);
      }
      if (this.abortedProducers.has(producerId)) return false;
    }
    return !control;
  }
}
