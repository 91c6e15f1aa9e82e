import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APIS } from '../../src/protocol/apis.js';
import { MessageCodec } from '../../src/protocol/codec.js';
import { Reader, Writer, ProtocolError } from '../../src/protocol/primitives.js';
import { field, array, tagged, MessageDef } from '../../src/protocol/schema.js';

test('ApiVersions response v3 round-trips with tagged fields', () => {
  const c = APIS.get(18)!.response;
  const value = {
    errorCode: 0,
    apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }],
    throttleTimeMs: 5,
    supportedFeatures: [{ name: 'metadata.version', minVersion: 1, maxVersion: 20 }],
    finalizedFeaturesEpoch: 7,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
  const buf = c.encode(value, 3);
  assert.deepEqual(c.decode(buf, 3), value);
  // v0 has no throttle time and no tags: 2 + 4 + 6 bytes
  assert.equal(c.encode(value, 0).length, 12);
});

test('decoder refuses array counts larger than the bytes left', () => {
  const c = APIS.get(18)!.response;
  const buf = Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]);
  assert.throws(() => c.decode(buf, 0), ProtocolError);
});

test('int64 and varlong primitives round-trip across the safe range', () => {
  for (const v of [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 52 - 1, -(2 ** 52) + 1, 1700000000000]) {
    const w = new Writer(4);
    w.int64(v).varlong(v).varint(v % 2 ** 31);
    const r = new Reader(w.toBuffer());
    assert.equal(r.int64(), v);
    assert.equal(r.varlong(), v);
    assert.equal(r.varint(), v % 2 ** 31);
  }
});

test('nullable fields and compact strings', () => {
  const def: MessageDef = {
    name: 'T',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      field('s', 'string', '0+', { nullableVersions: '0+' }),
      field('b', 'bytes', '0+', { nullableVersions: '0+' }),
      array('a', '0+', [field('x', 'int32')], { nullableVersions: '0+' }),
      tagged(field('t', 'string', '1+', { nullableVersions: '1+' }), 0, '1+'),
    ],
  };
  const c = new MessageCodec(def);
  for (const v of [0, 1]) {
    const value = { s: null, b: null, a: null, t: v === 1 ? 'hi' : '' };
    assert.deepEqual(c.decode(c.encode(value, v), v), value);
    const value2 = { s: 'héllo', b: Buffer.from('xy'), a: [{ x: 3 }], t: v === 1 ? null : '' };
    assert.deepEqual(c.decode(c.encode(value2, v), v), value2);
  }
});
