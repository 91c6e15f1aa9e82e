import { array, field, tagged, MessageDef } from '../schema.js';

// Messages that are stored rather than sent: the transaction coordinator's
// records in __transaction_state and the producer-state snapshot files of a
// partition. As with consumer-protocol.ts, each is written after an int16
// version by its user; these are only the bodies that follow the version.

// --- __transaction_state records (Kafka's TransactionLogKey/TransactionLogValue).
// The key is the transactional id; a null value is a tombstone (the id expired).

/** Key of a transaction metadata record (only version 0 exists). */
export const TransactionLogKey: MessageDef = {
  name: 'TransactionLogKey',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [field('transactionalId', 'string', '0')],
};

/**
 * Value of a transaction metadata record: the transactional id's producer id
 * and epoch, its timeout, state (TransactionState ids: 0 Empty, 1 Ongoing,
 * 2 PrepareCommit, 3 PrepareAbort, 4 CompleteCommit, 5 CompleteAbort, 6 Dead,
 * 7 PrepareEpochFence) and partitions. v1 is flexible and adds tagged fields
 * for transactions version 2 (KIP-890); Kafka 3.9 writes v0.
 */
export const TransactionLogValue: MessageDef = {
  name: 'TransactionLogValue',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    field('producerId', 'int64'),
    tagged(field('previousProducerId', 'int64', '1+', { default: -1 }), 0, '1+'),
    tagged(field('nextProducerId', 'int64', '1+', { default: -1 }), 1, '1+'),
    field('producerEpoch', 'int16'),
    field('transactionTimeoutMs', 'int32'),
    field('transactionStatus', 'int8'),
    array('transactionPartitions', '0+', [field('topic', 'string'), field('partitionIds', '[]int32')], { nullableVersions: '0+' }),
    field('transactionLastUpdateTimestampMs', 'int64'),
    field('transactionStartTimestampMs', 'int64'),
    tagged(field('clientTransactionVersion', 'int16', '1+', { default: 0 }), 2, '1+'),
  ],
};

// --- Producer-state snapshot files (`<20-digit offset>.snapshot` in a partition
// directory; Kafka's ProducerSnapshot). Layout: int16 version (1), uint32 CRC32C
// of every byte after the CRC, then the entries.

/** A partition's producer-state snapshot (only version 1 exists). */
export const ProducerSnapshot: MessageDef = {
  name: 'ProducerSnapshot',
  validVersions: '1',
  flexibleVersions: 'none',
  fields: [
    field('crc', 'uint32', '1'),
    array('producerEntries', '1', [
      field('producerId', 'int64', '1'),
      field('epoch', 'int16', '1'),
      field('lastSequence', 'int32', '1'),
      field('lastOffset', 'int64', '1'),
      field('offsetDelta', 'int32', '1'),
      field('timestamp', 'int64', '1'),
      field('coordinatorEpoch', 'int32', '1'),
      field('currentTxnFirstOffset', 'int64', '1'),
    ]),
  ],
};

/** Every stored message defined here. */
export const TRANSACTION_LOG_MESSAGES: readonly MessageDef[] = [TransactionLogKey, TransactionLogValue, ProducerSnapshot];
