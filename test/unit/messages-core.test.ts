import { test } from 'node:test';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { APIS, requestIsFlexible } from '../../src/protocol/apis.js';
import { MessageCodec } from '../../src/protocol/codec.js';
import { Reader } from '../../src/protocol/primitives.js';
import { ApiDef, FieldDef, inVersions } from '../../src/protocol/schema.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { ListOffsets } from '../../src/protocol/messages/list-offsets.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { ALL_ERRORS, ErrorCode, errorInfo, errorName, KafkaError } from '../../src/protocol/errors.js';
import { absentValue, apiSamples, presentFieldPaths, sampleValue, versionsOf } from './sample-values.js';

const CORE: ApiDef[] = [Produce, Fetch, ListOffsets, Metadata];

const hex = (b: Buffer) => b.toString('hex');
const bytes = (...parts: string[]) => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');

function roundTrip(codec: MessageCodec, value: Record<string, unknown>, version: number): Buffer {
  const buf = codec.encode(value, version);
  const r = new Reader(buf);
  const decoded = codec.forVersion(version).decode(r);
  assert.equal(r.remaining, 0, 'decoder left bytes unread');
  assert.deepEqual(decoded, value);
  assert.equal(hex(codec.encode(decoded, version)), hex(buf), 're-encoding the decoded value changed the bytes');
  return buf;
}

// Round trip of every version of every request and response, in both sample modes.
for (const def of CORE) {
  const api = APIS.get(def.apiKey)!;
  for (const s of apiSamples(def)) {
    test(`${s.message.name} v${s.version} (${s.mode}) round-trips`, () => {
      roundTrip(api[s.kind], s.value, s.version);
    });
  }
}

// Records of 1 KiB and more are written by reference rather than copied; they must still round-trip.
test('Produce and Fetch round-trip large records at every version', () => {
  for (const def of [Produce, Fetch]) {
    for (const kind of ['request', 'response'] as const) {
      for (const v of versionsOf(def[kind])) {
        roundTrip(APIS.get(def.apiKey)![kind], sampleValue(def[kind], v, { recordsSize: 3000, arrayLength: 3 }), v);
      }
    }
  }
});

// The full samples really do exercise every field: each present field holds a
// value different from its default, so a field the codec dropped would fail the round trip.
function assertNonDefault(fields: readonly FieldDef[], version: number, value: Record<string, unknown>, path: string) {
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    const v = value[f.name];
    const d = absentValue(f);
    const where = `${path}${f.name} v${version}`;
    assert.notEqual(v, undefined, where);
    assert.notEqual(v, null, where);
    if (Array.isArray(v)) assert.ok(v.length > 0, `${where} is empty`);
    else assert.notDeepEqual(v, d, `${where} holds its default`);
    if (f.fields) {
      const first = (Array.isArray(v) ? v[0] : v) as Record<string, unknown>;
      assertNonDefault(f.fields, version, first, `${where}.`);
    }
  }
}

test('full samples hold non-default values in every field of every version', () => {
  let checked = 0;
  for (const def of CORE) {
    for (const kind of ['request', 'response'] as const) {
      for (const v of versionsOf(def[kind])) {
        assertNonDefault(def[kind].fields, v, sampleValue(def[kind], v), `${def[kind].name}.`);
        checked += presentFieldPaths(def[kind].fields, v).length;
      }
    }
  }
  assert.ok(checked > 500, `only ${checked} fields checked`);
});

test('registry: core APIs with their version ranges and first flexible versions', () => {
  const expected: [number, string, number, number][] = [
    [0, 'Produce', 11, 9],
    [1, 'Fetch', 17, 12],
    [2, 'ListOffsets', 10, 6],
    [3, 'Metadata', 12, 9],
  ];
  for (const [key, name, max, flex] of expected) {
    const a = APIS.get(key)!;
    assert.equal(a.def.name, name);
    for (const c of [a.request, a.response]) {
      assert.equal(c.minVersion, 0);
      assert.equal(c.maxVersion, max);
      assert.equal(c.isFlexible(flex - 1), false);
      assert.equal(c.isFlexible(flex), true);
    }
    assert.equal(requestIsFlexible(key, flex), true);
    assert.equal(requestIsFlexible(key, max + 1), undefined);
  }
});

// Golden bytes, written from the layouts in Kafka's protocol guide.

test('golden: Metadata v0 request for topic "a"', () => {
  const c = APIS.get(3)!.request;
  const buf = c.encode({ topics: [{ name: 'a' }] }, 0);
  assert.equal(hex(buf), hex(bytes('00000001', '0001 61')));
  assert.deepEqual(c.decode(buf, 0), { topics: [{ name: 'a', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
});

test('golden: Metadata v1 request with null topics (all topics)', () => {
  const c = APIS.get(3)!.request;
  assert.equal(hex(c.encode({ topics: null }, 1)), 'ffffffff');
  assert.equal(c.decode(bytes('ffffffff'), 1).topics, null);
  // v0 cannot express null: it is an error to receive one
  assert.throws(() => c.decode(bytes('ffffffff'), 0));
});

test('golden: flexible Metadata v9 request uses compact arrays and tagged-field bytes', () => {
  const c = APIS.get(3)!.request;
  const value = { topics: [{ name: 'a' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: true };
  // topics: compact count 1+1, name: compact length 1+1 'a', topic tags 0;
  // allow auto creation, include cluster ops, include topic ops; message tags 0
  assert.equal(hex(c.encode(value, 9)), hex(bytes('02', '02 61', '00', '01', '00', '01', '00')));
  // v10 adds the topic id (16 bytes) before the name, v11 drops the cluster flag
  assert.equal(hex(c.encode(value, 11)), hex(bytes('02', '00'.repeat(16), '02 61', '00', '01', '01', '00')));
});

test('golden: Metadata v0 response', () => {
  const c = APIS.get(3)!.response;
  const value = {
    brokers: [{ nodeId: 1, host: 'h', port: 9092 }],
    topics: [{ errorCode: 0, name: 't', partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }] }],
  };
  const expected = bytes(
    '00000001', '00000001', '0001 68', '00002384', // brokers: [node 1, 'h', 9092]
    '00000001', '0000', '0001 74', // topics: [error 0, 't'
    '00000001', '0000', '00000000', '00000001', '00000001 00000001', '00000001 00000001', // partitions]
  );
  assert.equal(hex(c.encode(value, 0)), hex(expected));
});

test('golden: Produce v3 request with a null transactional id', () => {
  const c = APIS.get(0)!.request;
  const records = Buffer.from([0xaa, 0xbb, 0xcc]);
  const value = { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records }] }] };
  const expected = bytes('ffff', 'ffff', '000003e8', '00000001', '0001 74', '00000001', '00000000', '00000003 aabbcc');
  assert.equal(hex(c.encode(value, 3)), hex(expected));
  // v2 has no transactional id
  assert.equal(hex(c.encode(value, 2)), hex(expected.subarray(2)));
  // v9: compact strings, arrays and records, a tagged-field byte after each struct
  const flex = bytes('00', 'ffff', '000003e8', '02', '02 74', '02', '00000000', '04 aabbcc', '00', '00', '00');
  assert.equal(hex(c.encode(value, 9)), hex(flex));
});

test('golden: Produce v10 response carries the current leader as tagged field 0', () => {
  const c = APIS.get(0)!.response;
  const value = {
    responses: [{
      name: 't',
      partitionResponses: [{
        index: 0, errorCode: 6, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null,
        currentLeader: { leaderId: 2, leaderEpoch: 5 },
      }],
    }],
    throttleTimeMs: 0,
  };
  const expected = bytes(
    '02', '02 74', '02', '00000000', '0006', 'ff'.repeat(8), 'ff'.repeat(8), 'ff'.repeat(8), '01', '00',
    '01', '00', '09', '00000002', '00000005', '00', // tags: one, tag 0, 9 bytes: leader 2, epoch 5, no tags
    '00', // topic tags
    '00000000', '00', // throttle time, message tags
  );
  const buf = c.encode(value, 10);
  assert.equal(hex(buf), hex(expected));
  assert.deepEqual(c.decode(buf, 10), { ...value, nodeEndpoints: [] });
});

test('golden: Fetch v12 request sends the cluster id as tagged field 0', () => {
  const c = APIS.get(1)!.request;
  const value = {
    clusterId: 'a', replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 0x7fffffff, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 7, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1048576 }] }],
    forgottenTopicsData: [], rackId: '',
  };
  const expected = bytes(
    'ffffffff', '000001f4', '00000001', '7fffffff', '01', '00000000', 'ffffffff',
    '02', '02 74', '02', '00000000', 'ffffffff', '0000000000000007', 'ffffffff', 'ffffffffffffffff', '00100000', '00', '00',
    '01', '01', // forgotten topics: empty; rack id: ''
    '01', '00', '02', '02 61', // tags: one, tag 0, 2 bytes: compact string 'a'
  );
  assert.equal(hex(c.encode(value, 12)), hex(expected));
});

test('golden: ListOffsets v0 response lists old-style offsets', () => {
  const c = APIS.get(2)!.response;
  const value = { topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, oldStyleOffsets: [5] }] }] };
  const expected = bytes('00000001', '0001 74', '00000001', '00000000', '0000', '00000001', '0000000000000005');
  const buf = c.encode(value, 0);
  assert.equal(hex(buf), hex(expected));
  assert.deepEqual(c.decode(buf, 0), {
    throttleTimeMs: 0,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, oldStyleOffsets: [5], timestamp: -1, offset: -1, leaderEpoch: -1 }] }],
  });
});

test('golden: ListOffsets v0 request carries maxNumOffsets, v1 does not', () => {
  const c = APIS.get(2)!.request;
  const value = { replicaId: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1, maxNumOffsets: 1 }] }] };
  const v1 = bytes('ffffffff', '00000001', '0001 74', '00000001', '00000000', 'ffffffffffffffff');
  assert.equal(hex(c.encode(value, 1)), hex(v1));
  assert.equal(hex(c.encode(value, 0)), hex(v1) + '00000001');
});

test('golden: Fetch v4+ response with null aborted transactions', () => {
  const c = APIS.get(1)!.response;
  const value = {
    throttleTimeMs: 0,
    responses: [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 3, lastStableOffset: 3, abortedTransactions: null, records: null }] }],
  };
  const expected = bytes('00000000', '00000001', '0001 74', '00000001', '00000000', '0000', '0000000000000003', '0000000000000003', 'ffffffff', 'ffffffff');
  assert.equal(hex(c.encode(value, 4)), hex(expected));
});

// Interop with a real client: kafkajs (a dev dependency) speaks the non-flexible
// versions of these APIs. Its requests must decode with our definitions and
// re-encode to the same bytes; our responses must decode in kafkajs.

const require = createRequire(import.meta.url);
const kjsRequest = async (api: string, version: number, args: object): Promise<Buffer> =>
  (await require(`kafkajs/src/protocol/requests/${api}`).protocol({ version })(args).request.encode()).buffer;
const kjsDecode = (api: string, version: number, buf: Buffer): Promise<any> =>
  require(`kafkajs/src/protocol/requests/${api}/v${version}/response`).decode(buf);

test('kafkajs requests decode and re-encode byte for byte', async () => {
  const cases: [number, string, number, object][] = [
    [3, 'metadata', 0, { topics: ['a', 'b'] }],
    [3, 'metadata', 6, { topics: ['a'], allowAutoTopicCreation: false }],
    [2, 'listOffsets', 3, { replicaId: -1, isolationLevel: 1, topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -1 }] }] }],
    [1, 'fetch', 11, {
      replicaId: -1, maxWaitTime: 100, minBytes: 1, maxBytes: 1000, rackId: 'r', isolationLevel: 1, sessionId: 3, sessionEpoch: 4,
      topics: [{ topic: 't', partitions: [{ partition: 2, fetchOffset: '5', maxBytes: 77 }] }],
      forgottenTopics: [{ topic: 'x', partitions: [1, 2] }],
    }],
    [0, 'produce', 7, {
      acks: -1, timeout: 30000, transactionalId: 'tx', producerId: 5, producerEpoch: 0,
      topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 0, messages: [{ key: 'k', value: 'v' }] }] }],
    }],
  ];
  const decoded: any[] = [];
  for (const [key, name, version, args] of cases) {
    const buf = await kjsRequest(name, version, args);
    const codec = APIS.get(key)!.request;
    const value = codec.decode(buf, version);
    assert.equal(hex(codec.encode(value, version)), hex(buf), `${name} v${version}`);
    decoded.push(value);
  }
  assert.deepEqual(decoded[1].topics.map((t: any) => t.name), ['a']);
  assert.equal(decoded[1].allowAutoTopicCreation, false);
  const f = decoded[3];
  assert.deepEqual([f.maxBytes, f.isolationLevel, f.sessionId, f.sessionEpoch, f.rackId], [1000, 1, 3, 4, 'r']);
  assert.deepEqual(f.topics[0].partitions[0], { partition: 2, currentLeaderEpoch: -1, fetchOffset: 5, logStartOffset: -1, partitionMaxBytes: 77, lastFetchedEpoch: -1, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' });
  assert.deepEqual(f.forgottenTopicsData, [{ topic: 'x', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [1, 2] }]);
  assert.equal(decoded[4].transactionalId, 'tx');
  assert.ok(decoded[4].topicData[0].partitionData[0].records.length > 61);
});

test('kafkajs decodes our responses', async () => {
  const md = await kjsDecode('metadata', 5, APIS.get(3)!.response.encode({
    throttleTimeMs: 3, brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: 'r1' }], clusterId: 'c', controllerId: 1,
    topics: [{ errorCode: 0, name: 't', partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [2] }] }],
  }, 5));
  assert.equal(md.clusterId, 'c');
  assert.deepEqual(md.brokers, [{ nodeId: 1, host: 'h', port: 9092, rack: 'r1' }]);
  assert.deepEqual(md.topicMetadata[0].partitionMetadata[0], { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1], isr: [1], offlineReplicas: [2] });
  const fr = await kjsDecode('fetch', 11, APIS.get(1)!.response.encode({
    throttleTimeMs: 0, errorCode: 0, sessionId: 9,
    responses: [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 10, lastStableOffset: 10, logStartOffset: 0,
      abortedTransactions: [{ producerId: 4, firstOffset: 2 }], preferredReadReplica: -1, records: Buffer.alloc(0) }] }],
  }, 11));
  assert.equal(fr.sessionId, 9);
  const p = fr.responses[0].partitions[0];
  assert.deepEqual([p.highWatermark, p.lastStableOffset, p.abortedTransactions, p.messages], ['10', '10', [{ producerId: '4', firstOffset: '2' }], []]);
  const lo = await kjsDecode('listOffsets', 3, APIS.get(2)!.response.encode({ throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1, offset: 42 }] }] }, 3));
  assert.deepEqual(lo.responses[0].partitions[0], { partition: 0, errorCode: 0, timestamp: '-1', offset: '42' });
  const pr = await kjsDecode('produce', 7, APIS.get(0)!.response.encode({ responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 100, logAppendTimeMs: -1, logStartOffset: 0 }] }], throttleTimeMs: 0 }, 7));
  assert.deepEqual(pr.topics[0].partitions[0], { partition: 0, errorCode: 0, baseOffset: '100', logAppendTime: '-1', logStartOffset: '0' });
});

// The error table.

test('errors: codes and names are unique and match the ErrorCode object', () => {
  const names = Object.keys(ErrorCode);
  const codes = Object.values(ErrorCode);
  assert.equal(new Set(names).size, names.length);
  assert.equal(new Set(codes).size, codes.length);
  assert.equal(ALL_ERRORS.length, names.length);
  for (const e of ALL_ERRORS) {
    assert.equal(ErrorCode[e.name as keyof typeof ErrorCode], e.code);
    assert.equal(errorInfo(e.code), e);
    assert.equal(errorName(e.code), e.name);
    assert.match(e.name, /^[A-Z][A-Z0-9_]*$/);
    if (e.code !== 0) assert.ok(e.message.length > 0, `${e.name} has no message`);
  }
  // -1 .. 128, with 99 never assigned by Kafka
  assert.equal(Math.min(...codes), -1);
  assert.equal(Math.max(...codes), 128);
  assert.equal(codes.length, 129);
  assert.equal(errorInfo(99).name, 'UNKNOWN');
});

test('errors: a few well-known entries', () => {
  assert.equal(ErrorCode.NONE, 0);
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
  assert.equal(ErrorCode.VOTER_NOT_FOUND, 127);
  const retriable = ALL_ERRORS.filter((e) => e.retriable).map((e) => e.name);
  for (const n of ['CORRUPT_MESSAGE', 'UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER', 'REQUEST_TIMED_OUT',
    'NETWORK_EXCEPTION', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'NOT_ENOUGH_REPLICAS', 'FENCED_LEADER_EPOCH', 'UNKNOWN_TOPIC_ID']) {
    assert.ok(retriable.includes(n), `${n} should be retriable`);
  }
  for (const n of ['UNKNOWN_SERVER_ERROR', 'OFFSET_OUT_OF_RANGE', 'MESSAGE_TOO_LARGE', 'TOPIC_AUTHORIZATION_FAILED', 'UNSUPPORTED_VERSION',
    'INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'BROKER_NOT_AVAILABLE']) {
    assert.ok(!retriable.includes(n), `${n} should not be retriable`);
  }
  assert.equal(retriable.length, 31);
});

test('errors: errorInfo of an unknown code and KafkaError', () => {
  const u = errorInfo(4242);
  assert.deepEqual(u, { code: 4242, name: 'UNKNOWN', retriable: false, message: 'Unknown error code 4242.' });
  const e = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.ok(e instanceof Error);
  assert.equal(e.code, 6);
  assert.equal(e.errorName, 'NOT_LEADER_OR_FOLLOWER');
  assert.equal(e.retriable, true);
  assert.equal(e.message, errorInfo(6).message);
  const e2 = new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'x' already exists.");
  assert.equal(e2.message, "Topic 'x' already exists.");
  assert.equal(e2.retriable, false);
  assert.equal(new KafkaError(-77).errorName, 'UNKNOWN');
});
