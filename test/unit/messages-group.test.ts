// Consumer-group and transaction APIs, and the consumer protocol / __consumer_offsets
// record formats: every version round-trips, a few encodings are checked byte for
// byte, and kafkajs (a real Kafka client) reads what we write and we read what it writes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { APIS } from '../../src/protocol/apis.js';
import { MessageCodec } from '../../src/protocol/codec.js';
import { Reader } from '../../src/protocol/primitives.js';
import { FieldDef, inVersions, MessageDef } from '../../src/protocol/schema.js';
import { GROUP_APIS } from '../../src/protocol/messages/group.js';
import {
  CONSUMER_PROTOCOL_MESSAGES,
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  GroupMetadataKey,
  GroupMetadataValue,
  OffsetCommitKey,
  OffsetCommitValue,
} from '../../src/protocol/messages/consumer-protocol.js';
import { defaultFor, sampleValue, versionsOf } from './sample-values.js';

// ---- registry -------------------------------------------------------------------

const EXPECTED: Record<string, [key: number, versions: string, flexible: string]> = {
  OffsetCommit: [8, '0-9', '8+'],
  OffsetFetch: [9, '0-9', '6+'],
  FindCoordinator: [10, '0-6', '3+'],
  JoinGroup: [11, '0-9', '6+'],
  Heartbeat: [12, '0-4', '4+'],
  LeaveGroup: [13, '0-5', '4+'],
  SyncGroup: [14, '0-5', '4+'],
  DescribeGroups: [15, '0-5', '5+'],
  ListGroups: [16, '0-5', '3+'],
  InitProducerId: [22, '0-5', '2+'],
  OffsetForLeaderEpoch: [23, '0-4', '4+'],
  AddPartitionsToTxn: [24, '0-5', '3+'],
  AddOffsetsToTxn: [25, '0-4', '3+'],
  EndTxn: [26, '0-5', '3+'],
  WriteTxnMarkers: [27, '0-1', '1+'],
  TxnOffsetCommit: [28, '0-4', '3+'],
  DeleteGroups: [42, '0-2', '2+'],
  OffsetDelete: [47, '0', 'none'],
  ConsumerGroupHeartbeat: [68, '0-1', '0+'],
  ConsumerGroupDescribe: [69, '0', '0+'],
};

test('GROUP_APIS holds every group and transaction API, registered under its key', () => {
  assert.deepEqual(GROUP_APIS.map((a) => a.name).sort(), Object.keys(EXPECTED).sort());
  for (const def of GROUP_APIS) {
    const [key, versions, flexible] = EXPECTED[def.name]!;
    assert.equal(def.apiKey, key, def.name);
    assert.equal(APIS.get(key)?.def, def, `${def.name} registered in APIS`);
    assert.equal(def.request.name, `${def.name}Request`);
    assert.equal(def.response.name, `${def.name}Response`);
    for (const m of [def.request, def.response]) {
      assert.equal(m.validVersions, versions, m.name);
      assert.equal(m.flexibleVersions, flexible, m.name);
    }
  }
});

test('field names are camelCase and unique within each struct', () => {
  const walk = (where: string, fields: readonly FieldDef[]) => {
    const seen = new Set<string>();
    for (const f of fields) {
      assert.match(f.name, /^[a-z][A-Za-z0-9]*$/, `${where}.${f.name}`);
      assert.ok(!seen.has(f.name), `${where}.${f.name} duplicated`);
      seen.add(f.name);
      if (f.fields) walk(`${where}.${f.name}`, f.fields);
    }
  };
  for (const api of GROUP_APIS) for (const m of [api.request, api.response]) walk(m.name, m.fields);
  for (const m of CONSUMER_PROTOCOL_MESSAGES) walk(m.name, m.fields);
});

// ---- round trips at every version --------------------------------------------------

/** Asserts that every field present in `version` holds a non-default (and non-null) value. */
function assertAllNonDefault(
  fields: readonly FieldDef[],
  version: number,
  value: Record<string, unknown>,
  path: string,
): void {
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    const v = value[f.name];
    const where = `${path}.${f.name}`;
    assert.notEqual(v, null, `${where} is null`);
    assert.notDeepEqual(v, defaultFor(f, inVersions(f.nullableVersions, version)), `${where} holds its default`);
    if (f.type === 'struct') assertAllNonDefault(f.fields!, version, v as Record<string, unknown>, where);
    if (f.type === '[]struct') {
      assert.ok((v as unknown[]).length > 0, `${where} is empty`);
      for (const e of v as Record<string, unknown>[]) assertAllNonDefault(f.fields!, version, e, where);
    }
  }
}

function roundTrip(def: MessageDef, version: number): number {
  const codec = new MessageCodec(def);
  let checked = 0;
  for (const mode of ['full', 'minimal'] as const) {
    const value = sampleValue(def, version, { mode });
    if (mode === 'full') assertAllNonDefault(def.fields, version, value, def.name);
    const buf = codec.encode(value, version);
    const r = new Reader(buf);
    const decoded = codec.forVersion(version).decode(r);
    assert.equal(r.remaining, 0, `${def.name} v${version} ${mode}: decoder left ${r.remaining} bytes`);
    assert.deepEqual(decoded, value, `${def.name} v${version} ${mode}`);
    // Re-encoding what was decoded gives the same bytes.
    assert.deepEqual(codec.encode(decoded, version), buf);
    // A truncated message is refused, not misread.
    for (const cut of new Set([0, 1, buf.length >> 1, buf.length - 1])) {
      if (cut < 0 || cut >= buf.length) continue;
      assert.throws(() => codec.decode(buf.subarray(0, cut), version), `prefix of ${cut} bytes`);
    }
    checked++;
  }
  return checked;
}

for (const api of GROUP_APIS) {
  for (const def of [api.request, api.response]) {
    for (const v of versionsOf(def)) {
      test(`${def.name} v${v} round-trips`, () => {
        assert.equal(roundTrip(def, v), 2);
      });
    }
  }
}

for (const def of CONSUMER_PROTOCOL_MESSAGES) {
  for (const v of versionsOf(def)) {
    test(`${def.name} v${v} round-trips`, () => {
      assert.equal(roundTrip(def, v), 2);
    });
  }
}

test('the non-API messages cover the versions Kafka defines', () => {
  assert.deepEqual(versionsOf(ConsumerProtocolSubscription), [0, 1, 2, 3]);
  assert.deepEqual(versionsOf(ConsumerProtocolAssignment), [0, 1, 2, 3]);
  assert.deepEqual(versionsOf(OffsetCommitKey), [0, 1]);
  assert.deepEqual(versionsOf(OffsetCommitValue), [0, 1, 2, 3, 4]);
  assert.deepEqual(versionsOf(GroupMetadataKey), [2]);
  assert.deepEqual(versionsOf(GroupMetadataValue), [0, 1, 2, 3, 4]);
});

// ---- golden bytes, laid out by hand from Kafka's protocol guide ------------------------

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str16 = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]).toString('hex');
};
const compactStr = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length + 1]), b]).toString('hex');
};
function golden(codec: MessageCodec, version: number, value: Record<string, unknown>, parts: string[]) {
  const expected = hex(parts.join(''));
  assert.equal(codec.encode(value, version).toString('hex'), expected.toString('hex'));
  assert.deepEqual(codec.decode(expected, version), value);
}

test('FindCoordinator request golden bytes: v0, v3 (flexible) and v4 (batched)', () => {
  const c = APIS.get(10)!.request;
  golden(c, 0, { key: 'grp', keyType: 0, coordinatorKeys: [] }, [str16('grp')]);
  golden(c, 3, { key: 'grp', keyType: 1, coordinatorKeys: [] }, [compactStr('grp'), '01', '00']);
  golden(c, 4, { key: '', keyType: 0, coordinatorKeys: ['a', 'b'] }, [
    '00', // keyType
    '03',
    compactStr('a'),
    compactStr('b'),
    '00', // no tagged fields
  ]);
});

test('JoinGroup request v5 golden bytes: null group instance id', () => {
  const c = APIS.get(11)!.request;
  const value = {
    groupId: 'g',
    sessionTimeoutMs: 10000,
    rebalanceTimeoutMs: 60000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([0, 1]) }],
    reason: null, // absent before v8
  };
  golden(c, 5, value, [
    str16('g'),
    '00002710',
    '0000ea60',
    str16(''),
    'ffff', // groupInstanceId null
    str16('consumer'),
    '00000001',
    str16('range'),
    '00000002',
    '0001',
  ]);
});

test('ConsumerGroupHeartbeat response v0 golden bytes: nullable struct with a presence byte', () => {
  const c = APIS.get(68)!.response;
  const base = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    memberId: 'm',
    memberEpoch: 3,
    heartbeatIntervalMs: 5000,
  };
  const head = ['00000000', '0000', '00', compactStr('m'), '00000003', '00001388'];
  golden(c, 0, { ...base, assignment: null }, [...head, 'ff', '00']);
  const topicId = Buffer.alloc(16, 0xab).toString('base64url');
  golden(c, 0, { ...base, assignment: { topicPartitions: [{ topicId, partitions: [0, 2] }] } }, [
    ...head,
    '01', // present
    '02', // 1 topic
    'ab'.repeat(16),
    '03',
    '00000000',
    '00000002',
    '00', // topic's tagged fields
    '00', // assignment's tagged fields
    '00', // response's tagged fields
  ]);
});

test('__consumer_offsets records golden bytes', () => {
  golden(new MessageCodec(OffsetCommitKey), 1, { group: 'g', topic: 't', partition: 7 }, [
    str16('g'),
    str16('t'),
    '00000007',
  ]);
  golden(new MessageCodec(GroupMetadataKey), 2, { group: 'g' }, [str16('g')]);
  golden(
    new MessageCodec(OffsetCommitValue),
    3,
    { offset: 42, leaderEpoch: 5, metadata: '', commitTimestamp: 1700000000000, expireTimestamp: -1 },
    ['000000000000002a', '00000005', str16(''), '0000018bcfe56800'],
  );
  golden(
    new MessageCodec(OffsetCommitValue),
    1,
    { offset: 42, leaderEpoch: -1, metadata: 'm', commitTimestamp: 1, expireTimestamp: 2 },
    ['000000000000002a', str16('m'), '0000000000000001', '0000000000000002'],
  );
});

// ---- kafkajs: a real client's encoders and decoders -------------------------------------

const require = createRequire(import.meta.url);
type KjsRequest = { apiVersion: number; encode: () => Promise<{ buffer: Buffer }> };
const kjsRequest = (api: string, v: number): ((args: any) => KjsRequest) =>
  require(`kafkajs/src/protocol/requests/${api}/v${v}/request.js`);
const kjsResponse = (api: string, v: number): { decode: (b: Buffer) => Promise<any> } =>
  require(`kafkajs/src/protocol/requests/${api}/v${v}/response.js`);

/** kafkajs encodes `args`; we decode them to `expected` and re-encode the same bytes. */
async function readsKafkajs(apiKey: number, kjsApi: string, v: number, args: unknown, expected: object) {
  const bytes = (await kjsRequest(kjsApi, v)(args).encode()).buffer;
  const c = APIS.get(apiKey)!.request;
  const decoded = c.decode(bytes, v);
  for (const [k, val] of Object.entries(expected)) assert.deepEqual(decoded[k], val, `${kjsApi} v${v}: ${k}`);
  assert.equal(c.encode(decoded, v).toString('hex'), bytes.toString('hex'), `${kjsApi} v${v} re-encoded`);
}

test('kafkajs requests decode: JoinGroup v0-5', async () => {
  const meta = Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0xff, 0xff, 0xff, 0xff]);
  for (let v = 0; v <= 5; v++) {
    await readsKafkajs(
      11,
      'joinGroup',
      v,
      {
        groupId: 'g1',
        sessionTimeout: 30000,
        rebalanceTimeout: 60000,
        memberId: 'm-1',
        groupInstanceId: 'static-1',
        protocolType: 'consumer',
        groupProtocols: [
          { name: 'roundrobin', metadata: meta },
          { name: 'range', metadata: meta },
        ],
      },
      {
        groupId: 'g1',
        sessionTimeoutMs: 30000,
        rebalanceTimeoutMs: v >= 1 ? 60000 : -1,
        memberId: 'm-1',
        groupInstanceId: v >= 5 ? 'static-1' : null,
        protocolType: 'consumer',
        protocols: [
          { name: 'roundrobin', metadata: meta },
          { name: 'range', metadata: meta },
        ],
      },
    );
  }
});

test('kafkajs requests decode: SyncGroup, Heartbeat and LeaveGroup v0-3', async () => {
  for (let v = 0; v <= 3; v++) {
    await readsKafkajs(
      14,
      'syncGroup',
      v,
      {
        groupId: 'g',
        generationId: 4,
        memberId: 'm',
        groupInstanceId: 'i',
        groupAssignment: [{ memberId: 'm', memberAssignment: Buffer.from('xyz') }],
      },
      {
        groupId: 'g',
        generationId: 4,
        memberId: 'm',
        groupInstanceId: v >= 3 ? 'i' : null,
        assignments: [{ memberId: 'm', assignment: Buffer.from('xyz') }],
      },
    );
    await readsKafkajs(
      12,
      'heartbeat',
      v,
      { groupId: 'g', groupGenerationId: 9, memberId: 'm', groupInstanceId: 'i' },
      { groupId: 'g', generationId: 9, memberId: 'm', groupInstanceId: v >= 3 ? 'i' : null },
    );
    await readsKafkajs(
      13,
      'leaveGroup',
      v,
      { groupId: 'g', memberId: 'm', members: [{ memberId: 'm', groupInstanceId: 'i' }] },
      v >= 3
        ? { groupId: 'g', memberId: '', members: [{ memberId: 'm', groupInstanceId: 'i', reason: null }] }
        : { groupId: 'g', memberId: 'm', members: [] },
    );
  }
});

test('kafkajs requests decode: OffsetCommit v0-5 and OffsetFetch v1-4', async () => {
  for (let v = 0; v <= 5; v++) {
    await readsKafkajs(
      8,
      'offsetCommit',
      v,
      {
        groupId: 'g',
        groupGenerationId: 3,
        memberId: 'm',
        retentionTime: 86400000,
        topics: [
          { topic: 't', partitions: [{ partition: 1, offset: '1099511627776', timestamp: 17, metadata: 'md' }] },
        ],
      },
      {
        groupId: 'g',
        generationIdOrMemberEpoch: v >= 1 ? 3 : -1,
        memberId: v >= 1 ? 'm' : '',
        retentionTimeMs: v >= 2 && v <= 4 ? 86400000 : -1,
        topics: [
          {
            name: 't',
            partitions: [
              {
                partitionIndex: 1,
                committedOffset: 2 ** 40,
                committedLeaderEpoch: -1,
                commitTimestamp: v === 1 ? 17 : -1,
                committedMetadata: 'md',
              },
            ],
          },
        ],
      },
    );
  }
  for (let v = 1; v <= 4; v++) {
    await readsKafkajs(
      9,
      'offsetFetch',
      v,
      { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0 }, { partition: 5 }] }] },
      { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 5] }], groups: [], requireStable: false },
    );
  }
});

test('kafkajs requests decode: FindCoordinator, DescribeGroups, ListGroups, DeleteGroups', async () => {
  await readsKafkajs(10, 'findCoordinator', 0, { groupId: 'g' }, { key: 'g', keyType: 0, coordinatorKeys: [] });
  for (const v of [1, 2]) {
    const args = { coordinatorKey: 'tx', coordinatorType: 1 };
    await readsKafkajs(10, 'findCoordinator', v, args, { key: 'tx', keyType: 1 });
  }
  for (const v of [0, 1, 2]) {
    await readsKafkajs(15, 'describeGroups', v, { groupIds: ['a', 'b'] }, { groups: ['a', 'b'] });
    await readsKafkajs(16, 'listGroups', v, {}, { statesFilter: [], typesFilter: [] });
  }
  for (const v of [0, 1]) {
    const bytes = (await kjsRequest('deleteGroups', v)(['a', 'b']).encode()).buffer;
    assert.deepEqual(APIS.get(42)!.request.decode(bytes, v), { groupsNames: ['a', 'b'] });
  }
});

test('kafkajs requests decode: the transaction APIs', async () => {
  for (const v of [0, 1]) {
    await readsKafkajs(
      22,
      'initProducerId',
      v,
      { transactionalId: 'tx', transactionTimeout: 60000 },
      { transactionalId: 'tx', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 },
    );
    await readsKafkajs(
      24,
      'addPartitionsToTxn',
      v,
      {
        transactionalId: 'tx',
        producerId: '4000000000',
        producerEpoch: 2,
        topics: [{ topic: 't', partitions: [0, 1] }],
      },
      {
        transactions: [],
        v3AndBelowTransactionalId: 'tx',
        v3AndBelowProducerId: 4000000000,
        v3AndBelowProducerEpoch: 2,
        v3AndBelowTopics: [{ name: 't', partitions: [0, 1] }],
      },
    );
    await readsKafkajs(
      25,
      'addOffsetsToTxn',
      v,
      { transactionalId: 'tx', producerId: 7, producerEpoch: 2, groupId: 'g' },
      { transactionalId: 'tx', producerId: 7, producerEpoch: 2, groupId: 'g' },
    );
    await readsKafkajs(
      26,
      'endTxn',
      v,
      { transactionalId: 'tx', producerId: 7, producerEpoch: 2, transactionResult: true },
      { transactionalId: 'tx', producerId: 7, producerEpoch: 2, committed: true },
    );
    await readsKafkajs(
      28,
      'txnOffsetCommit',
      v,
      {
        transactionalId: 'tx',
        groupId: 'g',
        producerId: 7,
        producerEpoch: 2,
        topics: [{ topic: 't', partitions: [{ partition: 3, offset: 99, metadata: null }] }],
      },
      {
        transactionalId: 'tx',
        groupId: 'g',
        producerId: 7,
        producerEpoch: 2,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 't',
            partitions: [{ partitionIndex: 3, committedOffset: 99, committedLeaderEpoch: -1, committedMetadata: null }],
          },
        ],
      },
    );
  }
});

test('kafkajs decodes our responses: JoinGroup v5, SyncGroup v3, OffsetFetch v4, FindCoordinator v2', async () => {
  const join = APIS.get(11)!.response.encode(
    {
      throttleTimeMs: 7,
      errorCode: 0,
      generationId: 12,
      protocolName: 'range',
      leader: 'm1',
      memberId: 'm2',
      members: [{ memberId: 'm1', groupInstanceId: 'i1', metadata: Buffer.from('md') }],
    },
    5,
  );
  const j = await kjsResponse('joinGroup', 5).decode(join);
  assert.equal(j.clientSideThrottleTime, 7);
  assert.equal(j.generationId, 12);
  assert.equal(j.groupProtocol, 'range');
  assert.equal(j.leaderId, 'm1');
  assert.equal(j.memberId, 'm2');
  assert.deepEqual(j.members, [{ memberId: 'm1', groupInstanceId: 'i1', memberMetadata: Buffer.from('md') }]);

  const sync = APIS.get(14)!.response.encode({ throttleTimeMs: 1, errorCode: 0, assignment: Buffer.from('as') }, 3);
  const s = await kjsResponse('syncGroup', 3).decode(sync);
  assert.deepEqual([s.errorCode, s.memberAssignment], [0, Buffer.from('as')]);

  const fetch = APIS.get(9)!.response.encode(
    {
      throttleTimeMs: 2,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 4, committedOffset: 2 ** 40, committedLeaderEpoch: 1, metadata: 'x', errorCode: 0 },
          ],
        },
      ],
      errorCode: 0,
    },
    4,
  );
  const f = await kjsResponse('offsetFetch', 4).decode(fetch);
  assert.deepEqual(f.responses, [
    { topic: 't', partitions: [{ partition: 4, offset: String(2 ** 40), metadata: 'x', errorCode: 0 }] },
  ]);

  const coord = APIS.get(10)!.response.encode(
    { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 3, host: 'localhost', port: 9092 },
    2,
  );
  const fc = await kjsResponse('findCoordinator', 2).decode(coord);
  assert.deepEqual(fc.coordinator, { nodeId: 3, host: 'localhost', port: 9092 });
  assert.equal(fc.errorMessage, null);
});

test('kafkajs decodes our responses: DescribeGroups v2 and InitProducerId v1', async () => {
  const dg = APIS.get(15)!.response.encode(
    {
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          groupId: 'g',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'range',
          members: [
            {
              memberId: 'm',
              clientId: 'c',
              clientHost: '/127.0.0.1',
              memberMetadata: Buffer.from('a'),
              memberAssignment: Buffer.from('b'),
            },
          ],
        },
      ],
    },
    2,
  );
  const d = await kjsResponse('describeGroups', 2).decode(dg);
  assert.equal(d.groups[0].state, 'Stable');
  assert.equal(d.groups[0].protocol, 'range');
  assert.equal(d.groups[0].members[0].clientHost, '/127.0.0.1');
  assert.deepEqual(d.groups[0].members[0].memberAssignment, Buffer.from('b'));

  const ipValue = { throttleTimeMs: 0, errorCode: 0, producerId: 2 ** 33, producerEpoch: 4 };
  const ip = APIS.get(22)!.response.encode(ipValue, 1);
  const p = await kjsResponse('initProducerId', 1).decode(ip);
  assert.deepEqual([p.producerId, p.producerEpoch], [String(2 ** 33), 4]);
});

test('kafkajs AssignerProtocol and our consumer protocol messages agree (after the int16 version)', async () => {
  const { AssignerProtocol } = require('kafkajs');
  const sub = new MessageCodec(ConsumerProtocolSubscription);
  const meta: Buffer = AssignerProtocol.MemberMetadata.encode({
    version: 0,
    topics: ['a', 'b'],
    userData: Buffer.from('u'),
  });
  assert.equal(meta.readInt16BE(0), 0);
  assert.deepEqual(sub.decode(meta.subarray(2), 0), {
    topics: ['a', 'b'],
    userData: Buffer.from('u'),
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
  });
  const ourSub = sub.encode({ topics: ['x'], userData: null, ownedPartitions: [] }, 1);
  const ours = Buffer.concat([Buffer.from([0, 1]), ourSub]);
  // kafkajs reads version 1 with its version 0 layout, as Kafka's compatibility rules allow.
  assert.deepEqual(AssignerProtocol.MemberMetadata.decode(ours), { version: 1, topics: ['x'], userData: null });

  const asg = new MessageCodec(ConsumerProtocolAssignment);
  const kAsg: Buffer = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { t1: [0, 2], t2: [1] } });
  assert.deepEqual(asg.decode(kAsg.subarray(2), 0), {
    assignedPartitions: [
      { topic: 't1', partitions: [0, 2] },
      { topic: 't2', partitions: [1] },
    ],
    userData: Buffer.alloc(0),
  });
  const oursAsg = Buffer.concat([
    Buffer.from([0, 3]),
    asg.encode({ assignedPartitions: [{ topic: 't', partitions: [5] }], userData: Buffer.from('ud') }, 3),
  ]);
  assert.deepEqual(AssignerProtocol.MemberAssignment.decode(oursAsg), {
    version: 3,
    assignment: { t: [5] },
    userData: Buffer.from('ud'),
  });
});
