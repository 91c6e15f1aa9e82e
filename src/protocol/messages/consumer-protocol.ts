import { array, field, MessageDef } from '../schema.js';

// Messages that are not requests or responses but are embedded in them or
// stored in __consumer_offsets. Each is written after an int16 version by its
// user (the consumer's JoinGroup metadata / SyncGroup assignment, the group
// coordinator's records); these are only the bodies that follow the version.

// --- The "consumer" embedded protocol (JoinGroup protocol metadata, SyncGroup assignment).
// New versions only append fields, so a reader may decode a newer version with
// the newest definition it knows.

/** A consumer's subscription: v1 adds owned partitions, v2 the generation, v3 the rack. */
export const ConsumerProtocolSubscription: MessageDef = {
  name: 'ConsumerProtocolSubscription',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: [
    field('topics', '[]string'),
    field('userData', 'bytes', '0+', { nullableVersions: '0+', default: null }),
    array('ownedPartitions', '1+', [field('topic', 'string', '1+'), field('partitions', '[]int32', '1+')]),
    field('generationId', 'int32', '2+', { default: -1 }),
    field('rackId', 'string', '3+', { nullableVersions: '3+', default: null }),
  ],
};

/** The partitions the leader assigned to one consumer (the same shape in every version). */
export const ConsumerProtocolAssignment: MessageDef = {
  name: 'ConsumerProtocolAssignment',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: [
    array('assignedPartitions', '0+', [field('topic', 'string'), field('partitions', '[]int32')]),
    field('userData', 'bytes', '0+', { nullableVersions: '0+', default: null }),
  ],
};

// --- __consumer_offsets records. The key's version says what the record is:
// 0 and 1 an offset commit, 2 a group's metadata. A null value is a tombstone.

/** Key of an offset commit record (versions 0 and 1 are identical). */
export const OffsetCommitKey: MessageDef = {
  name: 'OffsetCommitKey',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [field('group', 'string', '0-1'), field('topic', 'string', '0-1'), field('partition', 'int32', '0-1')],
};

/**
 * Value of an offset commit record. v1 alone carries an expire timestamp, v3
 * adds the leader epoch, v4 is flexible (new fields should be tagged ones).
 */
export const OffsetCommitValue: MessageDef = {
  name: 'OffsetCommitValue',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('offset', 'int64'),
    field('leaderEpoch', 'int32', '3+', { default: -1 }),
    field('metadata', 'string'),
    field('commitTimestamp', 'int64'),
    field('expireTimestamp', 'int64', '1', { default: -1 }),
  ],
};

/** Key of a group metadata record (only version 2 exists). */
export const GroupMetadataKey: MessageDef = {
  name: 'GroupMetadataKey',
  validVersions: '2',
  flexibleVersions: 'none',
  fields: [field('group', 'string', '2')],
};

/**
 * Value of a classic group's metadata record. v1 adds each member's rebalance
 * timeout, v2 the state timestamp, v3 static membership, v4 is flexible.
 */
export const GroupMetadataValue: MessageDef = {
  name: 'GroupMetadataValue',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('protocolType', 'string'),
    field('generation', 'int32'),
    field('protocol', 'string', '0+', { nullableVersions: '0+' }),
    field('leader', 'string', '0+', { nullableVersions: '0+' }),
    field('currentStateTimestamp', 'int64', '2+', { default: -1 }),
    array('members', '0+', [
      field('memberId', 'string'),
      field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
      field('clientId', 'string'),
      field('clientHost', 'string'),
      field('rebalanceTimeout', 'int32', '1+', { default: -1 }),
      field('sessionTimeout', 'int32'),
      field('subscription', 'bytes'),
      field('assignment', 'bytes'),
    ]),
  ],
};

/** Every embedded or stored message defined here. */
export const CONSUMER_PROTOCOL_MESSAGES: readonly MessageDef[] = [
  ConsumerProtocolSubscription,
  ConsumerProtocolAssignment,
  OffsetCommitKey,
  OffsetCommitValue,
  GroupMetadataKey,
  GroupMetadataValue,
];
