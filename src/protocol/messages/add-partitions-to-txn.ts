import { ApiDef, array, field, FieldDef } from '../schema.js';

// Adds partitions to an ongoing transaction. Up to v3 (what clients send) the
// request names one transaction with "v3AndBelow" fields; from v4 (broker to
// coordinator, KIP-890) it batches transactions, each of which may only verify
// that its partitions are already in the transaction. v3 is the first
// flexible version; v5 only adds an error code.

// A topic and the partitions to add (Kafka's common struct AddPartitionsToTxnTopic).
const addPartitionsToTxnTopic = (name: string, versions: string): FieldDef =>
  array(name, versions, [field('name', 'string'), field('partitions', '[]int32')]);

// Per-topic results (Kafka's common structs AddPartitionsToTxnTopicResult and
// AddPartitionsToTxnPartitionResult).
const addPartitionsToTxnTopicResult = (name: string, versions: string): FieldDef =>
  array(name, versions, [
    field('name', 'string'),
    array('resultsByPartition', '0+', [field('partitionIndex', 'int32'), field('partitionErrorCode', 'int16')]),
  ]);

export const AddPartitionsToTxn: ApiDef = {
  apiKey: 24,
  name: 'AddPartitionsToTxn',
  request: {
    name: 'AddPartitionsToTxnRequest',
    validVersions: '0-5',
    flexibleVersions: '3+',
    fields: [
      array('transactions', '4+', [
        field('transactionalId', 'string', '4+'),
        field('producerId', 'int64', '4+'),
        field('producerEpoch', 'int16', '4+'),
        field('verifyOnly', 'bool', '4+', { default: false }),
        addPartitionsToTxnTopic('topics', '4+'),
      ]),
      field('v3AndBelowTransactionalId', 'string', '0-3'),
      field('v3AndBelowProducerId', 'int64', '0-3'),
      field('v3AndBelowProducerEpoch', 'int16', '0-3'),
      addPartitionsToTxnTopic('v3AndBelowTopics', '0-3'),
    ],
  },
  response: {
    name: 'AddPartitionsToTxnResponse',
    validVersions: '0-5',
    flexibleVersions: '3+',
    fields: [
      field('throttleTimeMs', 'int32'),
      field('errorCode', 'int16', '4+'),
      array('resultsByTransaction', '4+', [
        field('transactionalId', 'string', '4+'),
        addPartitionsToTxnTopicResult('topicResults', '4+'),
      ]),
      addPartitionsToTxnTopicResult('resultsByTopicV3AndBelow', '0-3'),
    ],
  },
};
