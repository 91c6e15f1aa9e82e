// Client configuration: dotted and camelCase names, Kafka's defaults, string
// coercion, validation messages naming the key, bootstrap parsing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONSUMER_DEFAULTS,
  PRODUCER_DEFAULTS,
  ProducerConfig,
  ConsumerConfig,
  camelKey,
  normalizeAcks,
  parseBootstrap,
  resolveConfig,
  validateProducerConfig,
  resolveIdempotence,
} from '../../src/client/config.js';
import { addDeadline, cancelDeadline, pendingDeadlines } from '../../src/client/timeouts.js';
import { backoffMs } from '../../src/client/backoff.js';

describe('client config', () => {
  it("Kafka's defaults (3.9 Java client)", () => {
    const c = resolveConfig<ProducerConfig>({ 'bootstrap.servers': 'h:1' }, PRODUCER_DEFAULTS, 'producer');
    assert.equal(c.lingerMs, 0);
    assert.equal(c.batchSize, 16384);
    assert.equal(c.bufferMemory, 33554432);
    assert.equal(c.maxRequestSize, 1048576);
    assert.equal(normalizeAcks(c.acks), -1);
    assert.equal(c.deliveryTimeoutMs, 120000);
    assert.equal(c.requestTimeoutMs, 30000);
    assert.equal(c.maxInFlightRequestsPerConnection, 5);
    assert.equal(c.enableIdempotence, true);
    assert.equal(c.transactionTimeoutMs, 60000);
    const k = resolveConfig<ConsumerConfig>({ bootstrapServers: ['h:1'] }, CONSUMER_DEFAULTS, 'consumer');
    assert.equal(k.autoOffsetReset, 'latest');
    assert.equal(k.fetchMaxWaitMs, 500);
    assert.equal(k.fetchMinBytes, 1);
    assert.equal(k.maxPartitionFetchBytes, 1048576);
    assert.equal(k.fetchMaxBytes, 52428800);
    assert.equal(k.maxPollRecords, 500);
  });

  it('dotted names and camelCase are the same keys; strings are coerced to the default type', () => {
    assert.equal(camelKey('max.in.flight.requests.per.connection'), 'maxInFlightRequestsPerConnection');
    const c = resolveConfig<ProducerConfig>(
      { 'bootstrap.servers': 'a:1,b:2', 'linger.ms': '7', batchSize: 100, 'enable.idempotence': 'false', acks: '1', 'compression.type': 'zstd' },
      PRODUCER_DEFAULTS,
      'producer',
    );
    assert.equal(c.lingerMs, 7);
    assert.equal(c.batchSize, 100);
    assert.equal(c.enableIdempotence, false);
    assert.equal(normalizeAcks(c.acks), 1);
    assert.equal(c.compressionType, 'zstd');
    assert.throws(() => resolveConfig({ 'bootstrap.servers': 'a:1', 'linger.ms': 'soon' }, PRODUCER_DEFAULTS, 'producer'), /lingerMs/);
    assert.throws(() => resolveConfig({}, PRODUCER_DEFAULTS, 'producer'), /bootstrap.servers/);
  });

  it('validation names the key', () => {
    const base = { 'bootstrap.servers': 'a:1' };
    const v = (extra: Record<string, unknown>) => validateProducerConfig(resolveConfig<ProducerConfig>({ ...base, ...extra }, PRODUCER_DEFAULTS, 'producer'));
    assert.throws(() => v({ acks: '2' }), /acks/);
    assert.throws(() => v({ 'compression.type': 'brotli' }), /compression.type/);
    assert.throws(() => v({ 'transactional.id': 't', 'enable.idempotence': false }), /idempotence/);
    assert.throws(() => v({ 'delivery.timeout.ms': 1000 }), /delivery.timeout.ms/);
    v({ acks: 0 });
  });

  it('enable.idempotence as the Java client 3.2+: on by default, off when acks/retries/in-flight conflict unless set explicitly', () => {
    const r = (extra: Record<string, unknown>) => resolveIdempotence(resolveConfig<ProducerConfig>({ 'bootstrap.servers': 'a:1', ...extra }, PRODUCER_DEFAULTS, 'producer'), extra);
    assert.equal(r({}), true);
    assert.equal(r({ acks: '1' }), false);
    assert.equal(r({ acks: 0 }), false);
    assert.equal(r({ retries: 0 }), false);
    assert.equal(r({ 'max.in.flight.requests.per.connection': 6 }), false);
    assert.equal(r({ 'enable.idempotence': 'false' }), false);
    assert.equal(r({ acks: 'all', 'enable.idempotence': true }), true);
    assert.throws(() => r({ acks: 1, 'enable.idempotence': true }), /acks/);
    assert.throws(() => r({ enableIdempotence: true, maxInFlightRequestsPerConnection: 10 }), /max.in.flight/);
    assert.throws(() => r({ acks: 1, transactionalId: 't' }), /transactional.id/);
  });

  it('bootstrap servers: comma list, arrays, IPv6 brackets, scheme prefixes', () => {
    assert.deepEqual(parseBootstrap('a:1, b:2'), [{ host: 'a', port: 1 }, { host: 'b', port: 2 }]);
    assert.deepEqual(parseBootstrap(['[::1]:9092', 'PLAINTEXT://h:9']), [{ host: '::1', port: 9092 }, { host: 'h', port: 9 }]);
    assert.throws(() => parseBootstrap('nohost'), /host:port/);
  });

  it('one shared coarse timer for deadlines, gone when none is pending', async () => {
    const before = pendingDeadlines();
    let fired = 0;
    addDeadline(10, () => fired++);
    const d = addDeadline(10, () => fired++);
    cancelDeadline(d);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(fired, 1);
    assert.equal(pendingDeadlines(), before);
  });

  it('backoff grows exponentially to its cap with ±20% jitter', () => {
    assert.equal(backoffMs(0, 100, 1000), 0);
    for (let i = 0; i < 50; i++) {
      const b1 = backoffMs(1, 100, 1000);
      assert.ok(b1 >= 80 && b1 <= 120);
      const b10 = backoffMs(10, 100, 1000);
      assert.ok(b10 >= 800 && b10 <= 1000);
    }
  });
});
