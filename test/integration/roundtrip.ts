// Helpers over RawClient shared by integration tests: read a partition back
// with raw Fetch requests (decoded with our record-batch decoder), create a
// topic, poll for a condition, and a well-behaved client's full round trip
// (ApiVersions, Metadata, Produce, Fetch) used to prove a broker is still
// serving normally.

import assert from 'node:assert/strict';
import { RawClient } from './raw-client.js';
import { buildBatch, decodeBatches, type DecodedBatch, type DecodedRecord } from '../../src/protocol/records/batch.js';

export interface FetchedRecord extends DecodedRecord {
  partition: number;
  /** The compression of the batch the record came in. */
  compression: number;
}

/** Polls `check` until it returns a truthy value (returned), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function createTopic(client: RawClient, name: string, numPartitions = 1, configs: Record<string, string> = {}): Promise<void> {
  const res = await client.request(19, 5, {
    topics: [
      {
        name,
        numPartitions,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })),
      },
    ],
    timeoutMs: 10000,
    validateOnly: false,
  });
  assert.equal(res.topics[0].errorCode, 0, `create ${name}: ${res.topics[0].errorMessage}`);
}

export interface FetchPartitionResult {
  errorCode: number;
  highWatermark: number;
  logStartOffset: number;
  batches: DecodedBatch[];
  raw: Buffer | null;
}

/** One Fetch v11 of one partition (no waiting). */
export async function fetchOnce(client: RawClient, topic: string, partition: number, offset: number, maxBytes = 8 << 20): Promise<FetchPartitionResult> {
  const res = await client.request(1, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: maxBytes }],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  assert.equal(res.errorCode, 0);
  const p = res.responses[0].partitions[0];
  const raw: Buffer | null = p.records;
  const batches = raw && raw.length ? await decodeBatches(raw) : [];
  return { errorCode: p.errorCode, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset, batches, raw };
}

/** Every record of a partition from `from` up to the high watermark, read with raw Fetch requests. */
export async function fetchAll(client: RawClient, topic: string, partition: number, from = 0): Promise<FetchedRecord[]> {
  const out: FetchedRecord[] = [];
  let offset = from;
  for (;;) {
    const r = await fetchOnce(client, topic, partition, offset);
    assert.equal(r.errorCode, 0, `fetch ${topic}-${partition} at ${offset}: error ${r.errorCode}`);
    for (const b of r.batches) {
      for (const rec of b.records) {
        if (rec.offset < offset) continue;
        out.push({ ...rec, partition, compression: b.compression });
      }
    }
    const next = out.length ? out[out.length - 1]!.offset + 1 : offset;
    if (next >= r.highWatermark) return out;
    assert.ok(next > offset, `fetch ${topic}-${partition} made no progress at ${offset} (high watermark ${r.highWatermark})`);
    offset = next;
  }
}

let roundTripSeq = 0;

/**
 * A well-behaved client's complete conversation: ApiVersions, Metadata,
 * Produce (acks=1) and Fetch of what it produced, on a fresh connection.
 * The topic must exist with at least one partition.
 */
export async function wellBehavedRoundTrip(port: number, topic: string): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    const av = await c.request(18, 3, { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1.0' });
    assert.equal(av.errorCode, 0);
    assert.ok(av.apiKeys.length > 5);
    const md = await c.request(3, 9, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(md.brokers.length, 1);
    assert.equal(md.topics[0].errorCode, 0, `metadata for ${topic}`);
    const value = `round-trip-${process.pid}-${++roundTripSeq}-${Date.now()}`;
    const batch = await buildBatch([{ key: Buffer.from('k'), value: Buffer.from(value) }]);
    const pr = await c.request(0, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 10000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
    });
    const part = pr.responses[0].partitionResponses[0];
    assert.equal(part.errorCode, 0, `produce: ${part.errorMessage}`);
    const f = await fetchOnce(c, topic, 0, part.baseOffset);
    assert.equal(f.errorCode, 0);
    const rec = f.batches.flatMap((b) => b.records).find((r) => r.offset === part.baseOffset);
    assert.ok(rec, 'produced record not fetched back');
    assert.equal(rec.value?.toString(), value);
  } finally {
    c.close();
  }
}
