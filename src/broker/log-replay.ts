// Reads a partition's log from its start to the high watermark as decoded
// batches: how the coordinators rebuild their state from __consumer_offsets
// and __transaction_state at start-up (the same records they replay live).

import type { Log } from '../storage/log.js';
import { decodeBatches, type DecodedBatch } from '../protocol/records/batch.js';

export async function* replayLog(l: Log, bufferSize: number): AsyncIterable<DecodedBatch> {
  let offset = l.logStartOffset;
  const end = l.highWatermark;
  while (offset < end) {
    const r = await l.read(offset, bufferSize, { minOneBatch: true, maxOffset: end });
    if (r.outOfRange) {
      // The log start moved (retention, DeleteRecords): go on from there.
      if (l.logStartOffset > offset) {
        offset = l.logStartOffset;
        continue;
      }
      return;
    }
    if (r.records.length === 0) return;
    const before = offset;
    for (const chunk of r.records) {
      for (const b of await decodeBatches(chunk)) {
        const next = b.baseOffset + b.lastOffsetDelta + 1;
        if (next <= offset) continue;
        offset = next;
        yield b;
      }
    }
    if (offset === before) return;
  }
}
