// The transaction coordinator's records in __transaction_state, in Kafka's
// formats (TransactionLogKey / TransactionLogValue, defined in
// protocol/messages/transaction-log.ts), so that Kafka's tools
// (kafka-console-consumer's TransactionLogMessageFormatter, kafka-dump-log
// --transaction-log-decoder) read them:
//
//   key    int16 version (0), TransactionLogKey { transactionalId }
//   value  int16 version (0), TransactionLogValue v0; null = tombstone (the id expired)
//
// Kafka 3.9 writes value version 0 (transactions version 1), with null
// partitions for Empty. The last producer id and epoch are not part of v0 and
// live in memory only, as in Kafka. The batch is an ordinary, uncompressed
// record batch v2 (no producer id).

import { MessageCodec } from '../../protocol/codec.js';
import { Reader, Writer } from '../../protocol/primitives.js';
import { TransactionLogKey, TransactionLogValue } from '../../protocol/messages/transaction-log.js';
import { NO_PRODUCER_EPOCH, TXN_STATE_ID, TXN_STATES, groupPartitions, tpKey, type TxnState, type TxnTransit } from './transaction-metadata.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';
export const TXN_KEY_VERSION = 0;
export const TXN_VALUE_VERSION = 0;

const keyCodec = new MessageCodec(TransactionLogKey);
const valueCodec = new MessageCodec(TransactionLogValue);

interface ValueFields {
  producerId: number;
  previousProducerId?: number;
  nextProducerId?: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  transactionStatus: number;
  transactionPartitions: { topic: string; partitionIds: number[] }[] | null;
  transactionLastUpdateTimestampMs: number;
  transactionStartTimestampMs: number;
}

export function encodeTxnKey(transactionalId: string): Buffer {
  const w = new Writer(8 + transactionalId.length * 3);
  w.int16(TXN_KEY_VERSION);
  keyCodec.forVersion(TXN_KEY_VERSION).encode(w, { transactionalId });
  return w.toBuffer();
}

export function encodeTxnValue(t: TxnTransit): Buffer {
  if (t.state === 'Empty' && t.topicPartitions.size > 0) throw new Error(`Transaction ${t.transactionalId} is Empty but has partitions`);
  const v: ValueFields = {
    producerId: t.producerId,
    producerEpoch: t.producerEpoch,
    transactionTimeoutMs: t.txnTimeoutMs,
    transactionStatus: TXN_STATE_ID[t.state],
    transactionPartitions: t.state === 'Empty' ? null : groupPartitions(t.topicPartitions).map((g) => ({ topic: g.topic, partitionIds: g.partitions })),
    transactionLastUpdateTimestampMs: t.txnLastUpdateTimestamp,
    transactionStartTimestampMs: t.txnStartTimestamp,
  };
  const w = new Writer(64);
  w.int16(TXN_VALUE_VERSION);
  valueCodec.forVersion(TXN_VALUE_VERSION).encode(w, v);
  return w.toBuffer();
}

export function decodeTxnKey(key: Buffer): { transactionalId: string } | { unknownVersion: number } {
  const r = new Reader(key);
  const version = r.int16();
  if (version !== TXN_KEY_VERSION) return { unknownVersion: version };
  return keyCodec.forVersion(version).decode(r) as { transactionalId: string };
}

/** A value read back, as the transit that produced it (the last producer id/epoch are not stored). */
export function decodeTxnValue(transactionalId: string, value: Buffer): TxnTransit {
  const r = new Reader(value);
  const version = r.int16();
  const v = valueCodec.forVersion(version).decode(r) as ValueFields;
  const state: TxnState | undefined = TXN_STATES[v.transactionStatus];
  if (!state) throw new Error(`Unknown transaction state ${v.transactionStatus} for ${transactionalId}`);
  const parts = new Set<string>();
  for (const t of v.transactionPartitions ?? []) for (const p of t.partitionIds) parts.add(tpKey(t.topic, p));
  return {
    transactionalId,
    producerId: v.producerId,
    lastProducerId: v.previousProducerId ?? -1,
    producerEpoch: v.producerEpoch,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    txnTimeoutMs: v.transactionTimeoutMs,
    state,
    topicPartitions: parts,
    txnStartTimestamp: v.transactionStartTimestampMs,
    txnLastUpdateTimestamp: v.transactionLastUpdateTimestampMs,
  };
}
