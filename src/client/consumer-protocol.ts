// The "consumer" embedded protocol on the client side: the subscription a
// member puts in JoinGroup (ConsumerProtocolSubscription, written at v3 as the
// Java client does: topics, assignor userData, owned partitions, generation,
// rack) and the assignment the leader hands out in SyncGroup
// (ConsumerProtocolAssignment), both behind an int16 version. Decoding reads
// any version: older ones with their own definition, newer ones with the
// newest known (later versions only append fields).

import { MessageCodec } from '../protocol/codec.js';
import { Reader, Writer } from '../protocol/primitives.js';
import { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../protocol/messages/consumer-protocol.js';
import type { MemberAssignment, MemberSubscription } from './assignors/assignor.js';
import type { TopicPartition } from './leader-requests.js';
import { compareTp } from './assignors/assignor.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
const subscriptionCodec = new MessageCodec(ConsumerProtocolSubscription);
const assignmentCodec = new MessageCodec(ConsumerProtocolAssignment);
export const SUBSCRIPTION_VERSION = subscriptionCodec.maxVersion;
export const ASSIGNMENT_VERSION = assignmentCodec.maxVersion;

function withVersion(version: number, encode: (w: Writer) => void): Buffer {
  const w = new Writer(128);
  w.int16(version);
  encode(w);
  return w.toBuffer();
}

/**
 * Decodes at the version given (the newest known for newer ones); a body
 * that ends before that version's fields (some clients claim a version they
 * do not write) is read again at older versions.
 */
function decodeLenient(codec: MessageCodec, r: Reader, version: number): any {
  const start = r.offset;
  let err: unknown;
  for (let v = Math.min(version, codec.maxVersion); v >= 0; v--) {
    try {
      r.offset = start;
      return codec.forVersion(v).decode(r);
    } catch (e) {
      err ??= e;
    }
  }
  throw err;
}

export function groupPartitions(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const m = new Map<string, number[]>();
  for (const tp of [...partitions].sort(compareTp)) {
    let l = m.get(tp.topic);
    if (!l) m.set(tp.topic, (l = []));
    l.push(tp.partition);
  }
  return [...m].map(([topic, ps]) => ({ topic, partitions: ps }));
}

export function encodeSubscription(s: Omit<MemberSubscription, 'groupInstanceId'>, version = SUBSCRIPTION_VERSION): Buffer {
  return withVersion(version, (w) =>
    subscriptionCodec.forVersion(version).encode(w, {
      topics: [...s.topics].sort(),
      userData: s.userData,
      ownedPartitions: groupPartitions(s.ownedPartitions),
      generationId: s.generationId,
      rackId: s.rackId,
    }),
  );
}

/** Decodes a member's JoinGroup metadata. */
export function decodeSubscription(buf: Buffer, groupInstanceId: string | null = null): MemberSubscription & { version: number } {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0) throw new RangeError(`consumer protocol subscription version ${version}`);
  const v = decodeLenient(subscriptionCodec, r, version);
  return {
    version,
    topics: v.topics ?? [],
    userData: v.userData ?? null,
    ownedPartitions: ((v.ownedPartitions ?? []) as { topic: string; partitions: number[] }[]).flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    generationId: version >= 2 ? (v.generationId ?? -1) : -1,
    rackId: v.rackId ?? null,
    groupInstanceId,
  };
}

export function encodeAssignment(a: MemberAssignment, version = ASSIGNMENT_VERSION): Buffer {
  return withVersion(version, (w) => assignmentCodec.forVersion(version).encode(w, { assignedPartitions: groupPartitions(a.partitions), userData: a.userData ?? null }));
}

/** Decodes a SyncGroup assignment; empty bytes (a member the leader left out) mean no partitions. */
export function decodeAssignment(buf: Buffer | null): MemberAssignment & { version: number } {
  if (!buf || buf.length === 0) return { version: -1, partitions: [], userData: null };
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0) throw new RangeError(`consumer protocol assignment version ${version}`);
  const v = decodeLenient(assignmentCodec, r, version);
  return {
    version,
    partitions: ((v.assignedPartitions ?? []) as { topic: string; partitions: number[] }[]).flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    userData: v.userData ?? null,
  };
}
