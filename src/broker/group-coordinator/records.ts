// The group coordinator's records in __consumer_offsets, in Kafka's own
// formats so that tools reading that topic (kafka-console-consumer's
// formatters, Burrow, kafka-dump-log --offsets-decoder) understand them.
//
// Each record's key and value start with an int16 schema version:
//   key   v0/v1  OffsetCommitKey   { group: string, topic: string, partition: int32 }
//   key   v2     GroupMetadataKey  { group: string }
//   value        OffsetCommitValue / GroupMetadataValue of that version; null = tombstone
// Kafka 3.9 writes OffsetCommitKey v1, OffsetCommitValue v3 (v1 when the
// commit carries its own retention, OffsetCommit v2-v4 with retentionTimeMs),
// GroupMetadataKey v2 and GroupMetadataValue v3: MetadataVersion's
// groupMetadataValueVersion()/offsetCommitValueVersion() pick "the highest
// non-flexible version until a tagged field is introduced", so readers that
// predate the flexible v4 (Burrow among them) keep working. We write the same.
//
// The batch holding them is an ordinary record batch v2 (CreateTime, no
// producer id), compressed with offsets.topic.compression.codec.

import { MessageCodec } from '../../protocol/codec.js';
import { Reader, Writer } from '../../protocol/primitives.js';
import { GroupMetadataKey, GroupMetadataValue, OffsetCommitKey, OffsetCommitValue } from '../../protocol/messages/consumer-protocol.js';
import { buildBatch } from '../../protocol/records/batch.js';
import type { CompressionType } from '../../protocol/records/batch-header.js';
import type { OffsetAndMetadata } from './group.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
/** The version that carries an explicit expire timestamp. */
export const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
export const GROUP_METADATA_VALUE_VERSION = 3;

export interface GroupMemberSnapshot {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  subscription: Buffer;
  assignment: Buffer;
}

/** A GroupMetadataValue: the group as of its last completed generation. */
export interface GroupMetadataSnapshot {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  /** -1 when not known. */
  currentStateTimestamp: number;
  members: GroupMemberSnapshot[];
}

export type CoordinatorRecord =
  | { type: 'offset'; group: string; topic: string; partition: number; value: OffsetAndMetadata | null }
  | { type: 'group'; group: string; value: GroupMetadataSnapshot | null };

const offsetKeyCodec = new MessageCodec(OffsetCommitKey);
const offsetValueCodec = new MessageCodec(OffsetCommitValue);
const groupKeyCodec = new MessageCodec(GroupMetadataKey);
const groupValueCodec = new MessageCodec(GroupMetadataValue);

function versioned(version: number, codec: MessageCodec, value: unknown): Buffer {
  const w = new Writer(64);
  w.int16(version);
  codec.forVersion(version).encode(w, value);
  return w.toBuffer();
}

export function encodeKey(r: CoordinatorRecord): Buffer {
  if (r.type === 'offset') {
    return versioned(OFFSET_COMMIT_KEY_VERSION, offsetKeyCodec, { group: r.group, topic: r.topic, partition: r.partition });
  }
  return versioned(GROUP_METADATA_KEY_VERSION, groupKeyCodec, { group: r.group });
}

export function encodeValue(r: CoordinatorRecord): Buffer | null {
  if (r.value === null) return null;
  if (r.type === 'offset') {
    const v = r.value;
    const version = v.expireTimestamp !== -1 ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION;
    return versioned(version, offsetValueCodec, v);
  }
  return versioned(GROUP_METADATA_VALUE_VERSION, groupValueCodec, r.value);
}

/** What a key/value pair read back from __consumer_offsets is; `unknown` for key versions we do not know (skipped, as Kafka does). */
export type DecodedRecord = CoordinatorRecord | { type: 'unknown'; keyVersion: number };

export function decodeRecord(key: Buffer | null, value: Buffer | null): DecodedRecord {
  if (!key || key.length < 2) throw new Error('a __consumer_offsets record without a key');
  const kr = new Reader(key);
  const keyVersion = kr.int16();
  if (keyVersion === 0 || keyVersion === 1) {
    const k = offsetKeyCodec.forVersion(keyVersion).decode(kr) as { group: string; topic: string; partition: number };
    let v: OffsetAndMetadata | null = null;
    if (value) {
      const vr = new Reader(value);
      const version = vr.int16();
      const d = offsetValueCodec.forVersion(version).decode(vr) as OffsetAndMetadata;
      v = {
        offset: d.offset,
        leaderEpoch: d.leaderEpoch,
        metadata: d.metadata ?? '',
        commitTimestamp: d.commitTimestamp,
        expireTimestamp: d.expireTimestamp,
      };
    }
    return { type: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: v };
  }
  if (keyVersion === 2) {
    const k = groupKeyCodec.forVersion(2).decode(kr) as { group: string };
    let v: GroupMetadataSnapshot | null = null;
    if (value) {
      const vr = new Reader(value);
      const version = vr.int16();
      const d = groupValueCodec.forVersion(version).decode(vr) as GroupMetadataSnapshot;
      v = {
        protocolType: d.protocolType,
        generation: d.generation,
        protocol: d.protocol,
        leader: d.leader,
        currentStateTimestamp: d.currentStateTimestamp,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          // v0 had no rebalance timeout: the session timeout stood for both.
          rebalanceTimeout: m.rebalanceTimeout === -1 ? m.sessionTimeout : m.rebalanceTimeout,
          sessionTimeout: m.sessionTimeout,
          // Copies: the decoded views would keep a whole read buffer alive.
          subscription: Buffer.from(m.subscription),
          assignment: Buffer.from(m.assignment),
        })),
      };
    }
    return { type: 'group', group: k.group, value: v };
  }
  return { type: 'unknown', keyVersion };
}

/** Java's String.hashCode over UTF-16 code units, as an int32. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The __consumer_offsets partition of a group: Utils.abs(groupId.hashCode) % partitions (abs(MIN_VALUE) is 0). */
export function partitionFor(groupId: string, partitionCount: number): number {
  const h = javaStringHashCode(groupId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitionCount;
}

/** One record batch of coordinator records (CreateTime `timestamp`, as Kafka's coordinator writes). */
export function buildRecordBatch(
  records: readonly CoordinatorRecord[],
  timestamp: number,
  compression: CompressionType,
  txn?: { producerId: number; producerEpoch: number },
): Promise<Buffer> {
  return buildBatch(
    records.map((r) => ({ key: encodeKey(r), value: encodeValue(r), timestamp })),
    // Transactional offset commits: a transactional batch of the producer (sequence 0, as Kafka writes them).
    txn
      ? { compression, baseTimestamp: timestamp, producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: 0, transactional: true }
      : { compression, baseTimestamp: timestamp },
  );
}

/** Approximate encoded size of records, to refuse oversized writes before building them. */
export function recordsSize(records: readonly CoordinatorRecord[]): number {
  let n = 61;
  for (const r of records) {
    n += 32 + r.group.length * 3;
    if (r.type === 'offset') n += r.topic.length * 3 + (r.value ? 40 + r.value.metadata.length * 3 : 0);
    else if (r.value) for (const m of r.value.members) n += 64 + m.subscription.length + m.assignment.length + (m.memberId.length + m.clientId.length + m.clientHost.length) * 3;
  }
  return n;
}
