// Round-trips every version of every admin API's request and response, and
// checks a few encodings byte for byte against the layout in Kafka's protocol guide.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APIS } from '../../src/protocol/apis.js';
import { MessageCodec, ZERO_UUID } from '../../src/protocol/codec.js';
import { ADMIN_APIS } from '../../src/protocol/messages/admin.js';
import { FieldDef, inVersions, MessageDef, parseVersions } from '../../src/protocol/schema.js';

// ---- a small sample-value generator (per version) ---------------------------

/** What the decoder yields for a field that is absent in a version or a tagged field left out. */
function defaultOf(def: FieldDef, nullable: boolean): unknown {
  if (def.default !== undefined) return Array.isArray(def.default) ? [...def.default] : def.default;
  if (def.type.startsWith('[]')) return [];
  switch (def.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'struct':
      return undefined;
    case 'uuid':
      return ZERO_UUID;
    default:
      return 0;
  }
}

const everNullable = (def: FieldDef) => def.nullableVersions !== undefined && def.nullableVersions !== 'none';

class Sampler {
  private n = 0;
  /** nulls: put null in every field that is nullable in this version. */
  constructor(private readonly version: number, private readonly nulls: boolean) {}

  struct(fields: readonly FieldDef[]): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    for (const def of fields) {
      if (!inVersions(def.versions, this.version)) {
        obj[def.name] = defaultOf(def, everNullable(def));
        continue;
      }
      if (this.nulls && inVersions(def.nullableVersions, this.version)) {
        obj[def.name] = null;
        continue;
      }
      const v = this.value(def);
      assert.notDeepEqual(v, defaultOf(def, inVersions(def.nullableVersions, this.version)), `sample for ${def.name}`);
      obj[def.name] = v;
    }
    return obj;
  }

  private value(def: FieldDef): unknown {
    if (def.type === 'struct') return this.struct(def.fields!);
    if (def.type === '[]struct') return [this.struct(def.fields!), this.struct(def.fields!)];
    if (def.type.startsWith('[]')) {
      const base = def.type.slice(2);
      return [this.scalar(base, undefined), this.scalar(base, undefined), this.scalar(base, undefined)];
    }
    return this.scalar(def.type, def.default);
  }

  private scalar(type: string, dflt: unknown): unknown {
    let v = this.scalarRaw(type, ++this.n);
    if (v === dflt) v = this.scalarRaw(type, ++this.n);
    return v;
  }

  private scalarRaw(type: string, n: number): unknown {
    switch (type) {
      case 'bool':
        return true;
      case 'int8':
        return (n % 120) + 2;
      case 'int16':
        return n % 2 ? 300 + n : -(300 + n);
      case 'uint16':
        return 40000 + n;
      case 'int32':
        return n % 2 ? 70000 + n : -(70000 + n);
      case 'uint32':
        return 3000000000 + n;
      case 'int64':
        return n % 2 ? 2 ** 40 + n : -(2 ** 45) - n;
      case 'float64':
        return n + 0.5;
      case 'uuid': {
        const b = Buffer.alloc(16);
        for (let i = 0; i < 16; i++) b[i] = (n * 31 + i * 7) & 0xff;
        return b.toString('base64url');
      }
      case 'string':
        return n % 3 ? `s${n}-ünïcode` : `s${n}`;
      case 'bytes':
        return Buffer.from([n & 0xff, 0, 0xff, 1]);
      default:
        throw new Error(`no sample for type ${type}`);
    }
  }
}

function sample(def: MessageDef, version: number, nulls: boolean): Record<string, unknown> {
  return new Sampler(version, nulls).struct(def.fields);
}

function versionsOf(def: MessageDef): number[] {
  const r = parseVersions(def.validVersions);
  const out: number[] = [];
  for (let v = r.min; v <= r.max; v++) out.push(v);
  return out;
}

// ---- the expected table ------------------------------------------------------

const EXPECTED: Record<string, [key: number, versions: string, flexible: string]> = {
  SaslHandshake: [17, '0-1', 'none'],
  CreateTopics: [19, '0-7', '5+'],
  DeleteTopics: [20, '0-6', '4+'],
  DeleteRecords: [21, '0-2', '2+'],
  DescribeConfigs: [32, '0-4', '4+'],
  AlterConfigs: [33, '0-2', '2+'],
  DescribeLogDirs: [35, '0-4', '2+'],
  SaslAuthenticate: [36, '0-2', '2+'],
  CreatePartitions: [37, '0-3', '2+'],
  IncrementalAlterConfigs: [44, '0-1', '1+'],
  DescribeCluster: [60, '0-1', '0+'],
  DescribeProducers: [61, '0', '0+'],
  DescribeTransactions: [65, '0', '0+'],
  ListTransactions: [66, '0-1', '0+'],
};

test('ADMIN_APIS holds every admin API, registered under its key with Kafka version ranges', () => {
  assert.deepEqual(ADMIN_APIS.map((a) => a.name).sort(), Object.keys(EXPECTED).sort());
  for (const def of ADMIN_APIS) {
    const [key, versions, flexible] = EXPECTED[def.name]!;
    assert.equal(def.apiKey, key, def.name);
    assert.equal(APIS.get(key)?.def, def, `${def.name} registered in APIS`);
    for (const m of [def.request, def.response]) {
      assert.equal(m.validVersions, versions, m.name);
      assert.equal(m.flexibleVersions, flexible, m.name);
    }
    assert.equal(def.request.name, `${def.name}Request`);
    assert.equal(def.response.name, `${def.name}Response`);
  }
});

// ---- round trips at every version --------------------------------------------

for (const api of ADMIN_APIS) {
  for (const [kind, def] of [
    ['request', api.request],
    ['response', api.response],
  ] as const) {
    const codec = new MessageCodec(def);
    for (const v of versionsOf(def)) {
      test(`${api.name} ${kind} v${v} round-trips`, () => {
        for (const nulls of [false, true]) {
          const value = sample(def, v, nulls);
          const buf = codec.encode(value, v);
          assert.deepEqual(codec.decode(buf, v), value, nulls ? 'with nulls' : 'with values');
          // Decoding then re-encoding gives the same bytes.
          assert.deepEqual(codec.encode(codec.decode(buf, v), v), buf);
          // Every strict prefix is rejected rather than misread.
          for (const cut of [0, 1, buf.length >> 1, buf.length - 1]) {
            if (cut < buf.length) assert.throws(() => codec.decode(buf.subarray(0, cut), v), `prefix of ${cut} bytes`);
          }
        }
      });
    }
  }
}

// ---- golden bytes, laid out by hand from Kafka's protocol guide ----------------

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str16 = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]).toString('hex');
};
const compactStr = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length + 1]), b]).toString('hex');
};

test('CreateTopics request v0 golden bytes', () => {
  const c = APIS.get(19)!.request;
  const value = {
    topics: [
      {
        name: 't',
        numPartitions: 3,
        replicationFactor: 1,
        assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }],
        configs: [
          { name: 'a', value: null },
          { name: 'b', value: 'c' },
        ],
      },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  };
  const expected = hex(
    [
      '00000001', // topics: 1
      str16('t'), // name
      '00000003', // numPartitions
      '0001', // replicationFactor
      '00000001', // assignments: 1
      '00000000', // partitionIndex
      '00000002', '00000001', '00000002', // brokerIds: [1, 2]
      '00000002', // configs: 2
      str16('a'), 'ffff', // a = null
      str16('b'), str16('c'), // b = c
      '00001388', // timeoutMs 5000 (validateOnly does not exist in v0)
    ].join(''),
  );
  assert.equal(c.encode(value, 0).toString('hex'), expected.toString('hex'));
  assert.deepEqual(c.decode(expected, 0), value);
});

test('DescribeConfigs request v4 (flexible) golden bytes', () => {
  const c = APIS.get(32)!.request;
  const value = {
    resources: [
      { resourceType: 2, resourceName: 'foo', configurationKeys: ['retention.ms'] },
      { resourceType: 4, resourceName: '1', configurationKeys: null },
    ],
    includeSynonyms: true,
    includeDocumentation: false,
  };
  const expected = hex(
    [
      '03', // compact array: 2 resources
      '02', compactStr('foo'), '02', compactStr('retention.ms'), '00', // type, name, keys, no tags
      '04', compactStr('1'), '00', '00', // type, name, null keys, no tags
      '01', // includeSynonyms
      '00', // includeDocumentation
      '00', // no tagged fields
    ].join(''),
  );
  assert.equal(c.encode(value, 4).toString('hex'), expected.toString('hex'));
  assert.deepEqual(c.decode(expected, 4), value);
});

test('CreateTopics response v5 golden bytes, with a tagged field', () => {
  const c = APIS.get(19)!.response;
  const value = {
    throttleTimeMs: 0,
    topics: [
      {
        name: 't',
        topicId: ZERO_UUID, // absent before v7
        errorCode: 0,
        errorMessage: null,
        topicConfigErrorCode: 29,
        numPartitions: 1,
        replicationFactor: 1,
        configs: null,
      },
    ],
  };
  const expected = hex(
    [
      '00000000', // throttleTimeMs
      '02', // compact array: 1 topic
      compactStr('t'),
      '0000', // errorCode
      '00', // errorMessage null
      '00000001', // numPartitions
      '0001', // replicationFactor
      '00', // configs null
      '01', '00', '02', '001d', // 1 tagged field: tag 0, 2 bytes, topicConfigErrorCode 29
      '00', // no top-level tagged fields
    ].join(''),
  );
  assert.equal(c.encode(value, 5).toString('hex'), expected.toString('hex'));
  assert.deepEqual(c.decode(expected, 5), value);
  // Left at its default, the tagged field is not sent.
  assert.equal(c.encode({ ...value, topics: [{ ...value.topics[0], topicConfigErrorCode: 0 }] }, 5).length, expected.length - 4);
});

test('fields absent from a version decode to Kafka defaults', () => {
  const ct = APIS.get(19)!.request;
  const v0 = ct.decode(ct.encode({ topics: [], timeoutMs: 1 }, 0), 0);
  assert.equal(v0.validateOnly, false);
  assert.equal(ct.decode(ct.encode({ topics: [] }, 0), 0).timeoutMs, 60000);
  const dc = APIS.get(60)!.response;
  const r0 = dc.decode(dc.encode({ clusterId: 'c', brokers: [] }, 0), 0);
  assert.equal(r0.endpointType, 1);
  assert.equal(r0.controllerId, -1);
  assert.equal(r0.clusterAuthorizedOperations, -2147483648);
  assert.equal(r0.errorMessage, null);
  const dl = APIS.get(35)!.response;
  const l3 = dl.decode(dl.encode({ results: [{ logDir: '/d', topics: [] }] }, 3), 3);
  assert.equal(l3.results[0].totalBytes, -1);
  assert.equal(l3.results[0].usableBytes, -1);
  const lt = APIS.get(66)!.request;
  assert.equal(lt.decode(lt.encode({ stateFilters: [], producerIdFilters: [] }, 0), 0).durationFilter, -1);
});
