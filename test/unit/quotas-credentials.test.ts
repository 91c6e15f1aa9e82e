// Client quotas and SCRAM credentials, below the network: the four messages
// round-trip at every version (and one golden encoding from Kafka's protocol
// guide layout), Java HashMap order and Double.toString as the tools need
// them, the LocalMetadataStore keeping both across a reopen, and the four
// handlers' answers and error codes as Kafka's controller gives them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { APIS } from '../../src/protocol/apis.js';
import { QUOTA_AND_CREDENTIAL_APIS } from '../../src/protocol/messages/quotas-and-credentials.js';
import { apiSamples } from './sample-values.js';
import { javaHashMapOrder, javaStringHash } from '../../src/cluster/java-hash-order.js';
import { LocalMetadataStore, METADATA_FILE } from '../../src/cluster/local-metadata-store.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { describeClientQuotasHandler } from '../../src/broker/handlers/describe-client-quotas.js';
import { alterClientQuotasHandler } from '../../src/broker/handlers/alter-client-quotas.js';
import { describeUserScramCredentialsHandler } from '../../src/broker/handlers/describe-user-scram-credentials.js';
import { alterUserScramCredentialsHandler } from '../../src/broker/handlers/alter-user-scram-credentials.js';
import { ALL_HANDLERS } from '../../src/broker/handlers/index.js';
import { javaDouble } from '../../src/cli/configs-quotas.js';
import { alterScramBody, saltedPassword } from '../../src/client/admin-quotas.js';

// ---- protocol ---------------------------------------------------------------

test('the four APIs are registered with Kafka 3.9 version ranges, and served over them', () => {
  const expected: Record<string, [number, string, string]> = {
    DescribeClientQuotas: [48, '0-1', '1+'],
    AlterClientQuotas: [49, '0-1', '1+'],
    DescribeUserScramCredentials: [50, '0', '0+'],
    AlterUserScramCredentials: [51, '0', '0+'],
  };
  assert.deepEqual(QUOTA_AND_CREDENTIAL_APIS.map((a) => a.name), Object.keys(expected));
  for (const def of QUOTA_AND_CREDENTIAL_APIS) {
    const [key, versions, flexible] = expected[def.name]!;
    assert.equal(def.apiKey, key);
    assert.equal(APIS.get(key)?.def, def);
    for (const m of [def.request, def.response]) {
      assert.equal(m.validVersions, versions);
      assert.equal(m.flexibleVersions, flexible);
    }
    const h = ALL_HANDLERS.find((x) => x.apiKey === key)!;
    assert.ok(h, `${def.name} has a handler`);
    assert.equal(`${h.minVersion}-${h.maxVersion}`.replace(/^(\d+)-\1$/, '$1'), versions);
  }
});

for (const api of QUOTA_AND_CREDENTIAL_APIS) {
  for (const s of apiSamples(api)) {
    test(`${s.message.name} v${s.version} (${s.mode}) round-trips`, () => {
      const codec = APIS.get(api.apiKey)![s.kind];
      const buf = codec.encode(s.value, s.version);
      assert.deepEqual(codec.decode(buf, s.version), s.value);
      assert.deepEqual(codec.encode(codec.decode(buf, s.version), s.version), buf);
      for (const cut of [0, 1, buf.length >> 1, buf.length - 1]) {
        if (cut < buf.length) assert.throws(() => codec.decode(buf.subarray(0, cut), s.version), `prefix of ${cut} bytes`);
      }
    });
  }
}

test('AlterClientQuotas request v0 and v1 golden bytes', () => {
  const body = { entries: [{ entity: [{ entityType: 'user', entityName: null }], ops: [{ key: 'k', value: 1.5, remove: false }] }], validateOnly: true };
  const codec = APIS.get(49)!.request;
  // v0: int32 array counts, int16 string lengths, -1 for a null string, IEEE 754 big-endian double.
  assert.equal(
    codec.encode(body, 0).toString('hex'),
    '00000001' + '00000001' + '0004' + Buffer.from('user').toString('hex') + 'ffff' + '00000001' + '0001' + '6b' + '3ff8000000000000' + '00' + '01',
  );
  // v1: compact arrays and strings (length + 1, 0 for null), an empty tagged-field section after every struct.
  assert.equal(
    codec.encode(body, 1).toString('hex'),
    '02' + '02' + '05' + Buffer.from('user').toString('hex') + '00' + '00' + '02' + '02' + '6b' + '3ff8000000000000' + '00' + '00' + '00' + '01' + '00',
  );
});

// ---- Java's orders and number format -------------------------------------------

test('javaHashMapOrder iterates as java.util.HashMap does', () => {
  // hashCode 93029210 / -1396355227 / -1361513063 (checked with an independent Python fold), spread
  // (h ^ h >>> 16) & 15 → buckets 1, 0, 1: banana first, then apple and cherry in insertion order.
  assert.deepEqual([javaStringHash('apple'), javaStringHash('banana'), javaStringHash('cherry')], [93029210, -1396355227, -1361513063]);
  assert.deepEqual(javaHashMapOrder(['apple', 'banana', 'cherry'], javaStringHash), ['banana', 'apple', 'cherry']);
  assert.equal(javaStringHash('user'), 3599307);
  assert.equal(javaStringHash('client-id'), 'client-id'.split('').reduce((h, c) => (Math.imul(31, h) + c.charCodeAt(0)) | 0, 0));
  // Small keys land in bucket = hash when below the capacity: "a".."e" are 97..101 → 1..5 in a 16-bucket table.
  assert.deepEqual(javaHashMapOrder(['e', 'c', 'a', 'd', 'b'], javaStringHash), ['a', 'b', 'c', 'd', 'e']);
  // 13 keys grow a default map to 32 buckets: 'p' (112 & 31 = 16) then comes after 'a' (97 & 31 = 1) but before '~' (126 & 31 = 30).
  const keys = 'abcdefghijklm'.split('').concat(['p', '~']);
  assert.deepEqual(javaHashMapOrder(keys, javaStringHash).slice(-2), ['p', '~']);
});

test("javaDouble prints as Java's Double.toString", () => {
  assert.equal(javaDouble(1024), '1024.0');
  assert.equal(javaDouble(20000), '20000.0');
  assert.equal(javaDouble(12.5), '12.5');
  assert.equal(javaDouble(9999999), '9999999.0');
  assert.equal(javaDouble(1e7), '1.0E7');
  assert.equal(javaDouble(1.25e10), '1.25E10');
  assert.equal(javaDouble(0.001), '0.001');
  assert.equal(javaDouble(0.0001), '1.0E-4');
  assert.equal(javaDouble(9.223372036854776e18), '9.223372036854776E18');
});

// ---- store and handlers -------------------------------------------------------

function withStore(fn: (store: LocalMetadataStore, dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'samsa-quota-'));
    const self = { nodeId: 0, rack: null, endpoints: [] };
    const store = LocalMetadataStore.open(dir, 'cluster', self);
    try {
      await fn(store, dir);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const ctx = (store: LocalMetadataStore, apiVersion = 0) => ({ header: { apiVersion }, conn: {}, broker: { metadata: store } }) as any;
const entity = (pairs: [string, string | null][]) => pairs.map(([entityType, entityName]) => ({ entityType, entityName }));

test(
  'AlterClientQuotas: Kafka validation per entity; DescribeClientQuotas filters; quotas survive a reopen',
  withStore(async (store, dir) => {
    const res = await alterClientQuotasHandler.handle(
      {
        entries: [
          { entity: entity([['user', 'alice']]), ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }, { key: 'request_percentage', value: 12.5, remove: false }] },
          { entity: entity([['user', 'alice'], ['client-id', 'app']]), ops: [{ key: 'consumer_byte_rate', value: 2048, remove: false }] },
          { entity: entity([['user', null]]), ops: [{ key: 'producer_byte_rate', value: 1e7, remove: false }] },
          { entity: entity([['ip', '127.0.0.1']]), ops: [{ key: 'connection_creation_rate', value: 5, remove: false }] },
          { entity: entity([['user', 'bob']]), ops: [{ key: 'no_such_quota', value: 1, remove: false }] },
          { entity: entity([['user', 'carol']]), ops: [{ key: 'producer_byte_rate', value: 0, remove: false }] },
          { entity: entity([['user', 'dave']]), ops: [{ key: 'producer_byte_rate', value: 1.5, remove: false }] },
          { entity: entity([['ip', '127.0.0.2']]), ops: [{ key: 'producer_byte_rate', value: 1, remove: false }] },
          { entity: entity([['ip', '127.0.0.3'], ['user', 'x']]), ops: [{ key: 'connection_creation_rate', value: 1, remove: false }] },
          { entity: entity([['group', 'g']]), ops: [{ key: 'producer_byte_rate', value: 1, remove: false }] },
          { entity: entity([['user', '']]), ops: [{ key: 'producer_byte_rate', value: 1, remove: false }] },
          { entity: [], ops: [{ key: 'producer_byte_rate', value: 1, remove: false }] },
          { entity: entity([['ip', '127.0.0.4']]), ops: [{ key: 'connection_creation_rate', value: 3e9, remove: false }] },
        ],
        validateOnly: false,
      },
      ctx(store),
    );
    const outcome = new Map((res as any).entries.map((e: any) => [JSON.stringify(e.entity), [e.errorCode, e.errorMessage]]));
    const of = (pairs: [string, string | null][]) => outcome.get(JSON.stringify(entity(pairs)));
    assert.deepEqual(of([['user', 'alice']]), [0, null]);
    assert.deepEqual(of([['user', 'alice'], ['client-id', 'app']]), [0, null]);
    assert.deepEqual(of([['user', null]]), [0, null]);
    assert.deepEqual(of([['ip', '127.0.0.1']]), [0, null]);
    assert.deepEqual(of([['user', 'bob']]), [ErrorCode.INVALID_REQUEST, 'Invalid configuration key no_such_quota']);
    assert.deepEqual(of([['user', 'carol']]), [ErrorCode.INVALID_REQUEST, 'Quota producer_byte_rate must be greater than 0']);
    assert.deepEqual(of([['user', 'dave']]), [ErrorCode.INVALID_REQUEST, 'producer_byte_rate cannot be a fractional value.']);
    assert.deepEqual(of([['ip', '127.0.0.2']]), [ErrorCode.INVALID_REQUEST, 'Invalid configuration key producer_byte_rate']);
    assert.deepEqual(of([['ip', '127.0.0.3'], ['user', 'x']]), [ErrorCode.INVALID_REQUEST, 'Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId']);
    assert.deepEqual(of([['group', 'g']]), [ErrorCode.INVALID_REQUEST, 'Unhandled client quota entity type: group']);
    assert.deepEqual(of([['user', '']]), [ErrorCode.INVALID_REQUEST, 'Empty user not supported']);
    assert.deepEqual(of([]), [ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity']);
    assert.deepEqual(of([['ip', '127.0.0.4']]), [ErrorCode.INVALID_REQUEST, 'Proposed value for connection_creation_rate is too large for an INT.']);

    const describe = async (components: { entityType: string; matchType: number; match: string | null }[], strict: boolean) =>
      (await describeClientQuotasHandler.handle({ components, strict }, ctx(store))) as any;
    const names = (r: any) => r.entries.map((e: any) => e.entity.map((x: any) => `${x.entityType}=${x.entityName}`).join('+')).sort();
    assert.deepEqual(names(await describe([{ entityType: 'user', matchType: 0, match: 'alice' }], false)), ['client-id=app+user=alice', 'user=alice'].sort());
    assert.deepEqual(names(await describe([{ entityType: 'user', matchType: 0, match: 'alice' }], true)), ['user=alice']);
    assert.deepEqual(names(await describe([{ entityType: 'user', matchType: 1, match: null }], true)), ['user=null']);
    assert.deepEqual(names(await describe([{ entityType: 'user', matchType: 2, match: null }], true)), ['user=alice', 'user=null']);
    assert.deepEqual(names(await describe([], false)), ['client-id=app+user=alice', 'ip=127.0.0.1', 'user=alice', 'user=null']);
    const one = await describe([{ entityType: 'user', matchType: 0, match: 'alice' }], true);
    assert.deepEqual(one.entries[0].values.sort((a: any, b: any) => (a.key < b.key ? -1 : 1)), [{ key: 'producer_byte_rate', value: 1024 }, { key: 'request_percentage', value: 12.5 }]);
    for (const [components, code, message] of [
      [[{ entityType: 'user', matchType: 1, match: 'x' }], ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.'],
      [[{ entityType: 'user', matchType: 0, match: null }], ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null.'],
      [[{ entityType: 'user', matchType: 2, match: 'x' }], ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.'],
      [[{ entityType: 'user', matchType: 7, match: null }], ErrorCode.INVALID_REQUEST, 'Unknown match type 7'],
      [[{ entityType: 'group', matchType: 2, match: null }], ErrorCode.UNSUPPORTED_VERSION, 'Unsupported entity type group'],
      [[{ entityType: 'user', matchType: 2, match: null }, { entityType: 'user', matchType: 1, match: null }], ErrorCode.INVALID_REQUEST, 'Entity type user cannot appear more than once in the filter.'],
      [[{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 1, match: null }], ErrorCode.INVALID_REQUEST, 'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.'],
    ] as const) {
      const r = await describe(components as any, false);
      assert.deepEqual([r.errorCode, r.errorMessage, r.entries], [code, message, null]);
    }

    // Removing a key; an entity left without keys disappears; validateOnly changes nothing.
    await alterClientQuotasHandler.handle({ entries: [{ entity: entity([['user', 'alice']]), ops: [{ key: 'request_percentage', value: 0, remove: true }] }], validateOnly: false }, ctx(store));
    await alterClientQuotasHandler.handle({ entries: [{ entity: entity([['ip', '127.0.0.1']]), ops: [{ key: 'connection_creation_rate', value: 0, remove: true }] }], validateOnly: false }, ctx(store));
    await alterClientQuotasHandler.handle({ entries: [{ entity: entity([['user', 'alice']]), ops: [{ key: 'consumer_byte_rate', value: 5, remove: false }] }], validateOnly: true }, ctx(store));
    await store.close();
    const reopened = LocalMetadataStore.open(dir, 'cluster', { nodeId: 0, rack: null, endpoints: [] });
    const quotas = reopened.clientQuotas().map((q) => [q.entity, q.values]);
    assert.deepEqual(quotas, [
      [[['user', 'alice']], { producer_byte_rate: 1024 }],
      [[['client-id', 'app'], ['user', 'alice']], { consumer_byte_rate: 2048 }],
      [[['user', null]], { producer_byte_rate: 1e7 }],
    ]);
  }),
);

test(
  'AlterUserScramCredentials: StoredKey/ServerKey from the salted password, never the password; Kafka errors; DescribeUserScramCredentials',
  withStore(async (store, dir) => {
    const password = 'alice-secret';
    const { body, refused } = alterScramBody([
      { user: 'alice', mechanism: 'SCRAM-SHA-256', iterations: 8192, password },
      { user: 'bob', mechanism: 'SCRAM-SHA-512', iterations: 4096, password: 'b' },
      { user: 'nopass', mechanism: 'SCRAM-SHA-256', iterations: 4096, password: '' },
    ]);
    assert.deepEqual([...refused].map(([u, e]) => [u, e.code, e.message]), [['nopass', ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Password must not be empty']]);
    const ups = (body as any).upsertions;
    assert.match(ups[0].salt.toString(), /^[0-9a-z]{20,26}$/, "Kafka's salt: a 130-bit number in base 36");
    assert.deepEqual(ups[0].saltedPassword, pbkdf2Sync(password, ups[0].salt, 8192, 32, 'sha256'));
    assert.deepEqual(saltedPassword('SCRAM-SHA-512', Buffer.from('b'), ups[1].salt, 4096), ups[1].saltedPassword);
    const r1 = (await alterUserScramCredentialsHandler.handle(body as any, ctx(store))) as any;
    assert.deepEqual(r1.results.map((r: any) => [r.user, r.errorCode]).sort(), [['alice', 0], ['bob', 0]]);

    const file = readFileSync(path.join(dir, METADATA_FILE), 'utf8');
    assert.ok(!file.includes(password) && !file.includes(Buffer.from(password).toString('base64')), 'no password in the metadata file');
    assert.ok(!file.includes(ups[0].saltedPassword.toString('base64')), 'no salted password in the metadata file');
    const alice = store.scramCredentials().find((c) => c.user === 'alice')!;
    const clientKey = createHmac('sha256', ups[0].saltedPassword).update('Client Key').digest();
    assert.equal(alice.storedKey, createHash('sha256').update(clientKey).digest('base64'));
    assert.equal(alice.serverKey, createHmac('sha256', ups[0].saltedPassword).update('Server Key').digest('base64'));
    assert.equal(alice.salt, ups[0].salt.toString('base64'));
    assert.equal(alice.iterations, 8192);

    const up = (name: string, mechanism: number, iterations: number) => ({ name, mechanism, iterations, salt: Buffer.from('s'), saltedPassword: Buffer.alloc(32, 1) });
    const r2 = (await alterUserScramCredentialsHandler.handle(
      {
        deletions: [{ name: 'ghost', mechanism: 1 }, { name: 'bob', mechanism: 2 }, { name: 'bob', mechanism: 2 }, { name: 'alice', mechanism: 9 }],
        upsertions: [up('low', 1, 4095), up('high', 2, 16385), up('', 1, 4096), up('odd', 0, 4096), up('edge', 2, 16384)],
      },
      ctx(store),
    )) as any;
    const by = new Map(r2.results.map((r: any) => [r.user, [r.errorCode, r.errorMessage]]));
    assert.deepEqual(Object.fromEntries(by), {
      ghost: [ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
      bob: [ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'],
      alice: [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
      low: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'],
      high: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'],
      '': [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'],
      odd: [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
      edge: [0, null],
    });

    const describe = async (users: string[] | null) => ((await describeUserScramCredentialsHandler.handle({ users: users && users.map((name) => ({ name })) }, ctx(store))) as any).results;
    const all = await describe(null);
    // Java HashMap order of the user names.
    assert.deepEqual(all.map((r: any) => r.user), javaHashMapOrder(['alice', 'bob', 'edge'], javaStringHash));
    assert.deepEqual(all.find((r: any) => r.user === 'bob').credentialInfos, [{ mechanism: 2, iterations: 4096 }]);
    assert.deepEqual(await describe([]), all);
    assert.deepEqual(await describe(['alice', 'nobody', 'bob', 'bob']), javaHashMapOrder(['alice', 'nobody', 'bob'], javaStringHash).map((u) => ({
      alice: { user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 8192 }] },
      nobody: { user: 'nobody', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist: nobody', credentialInfos: [] },
      bob: { user: 'bob', errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request: bob', credentialInfos: [] },
    })[u]));

    // Deleting, then a reopen keeps what is left.
    await alterUserScramCredentialsHandler.handle({ deletions: [{ name: 'bob', mechanism: 2 }], upsertions: [] }, ctx(store));
    await store.close();
    const reopened = LocalMetadataStore.open(dir, 'cluster', { nodeId: 0, rack: null, endpoints: [] });
    assert.deepEqual(reopened.scramCredentials().map((c) => [c.user, c.mechanism, c.iterations]).sort(), [['alice', 'SCRAM-SHA-256', 8192], ['edge', 'SCRAM-SHA-512', 16384]]);
    assert.deepEqual(reopened.scramCredentials().find((c) => c.user === 'alice'), alice);
  }),
);
