// The broker's reused buffers under load: Produce frames read into shared
// slabs and Fetch answers read into pooled buffers must never be overwritten
// while the log or a socket write still needs them. Many connections produce
// (acks 0, 1 and all; frames dribbled in odd pieces; frames larger than a
// slab) while others fetch; every batch read back must carry a valid CRC and
// every record must be there exactly once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { crc32c } from '@node-rs/crc32';
import { startBroker } from '../../src/broker/broker.js';
import { encodeRequestFrame } from '../../src/protocol/apis.js';
import { RawClient } from '../integration/raw-client.js';
import { fetchReadPool } from '../../src/storage/buffer-pool.js';
import { socketSlabPool } from '../../src/broker/network/connection.js';
import { buildBatch, rmDir, tmpDir } from './storage/helpers.js';

const TOPIC = 'slabs';
const PARTITIONS = 2;

function encodeFrame(apiKey: number, version: number, correlationId: number, body: unknown): Buffer {
  return Buffer.concat(encodeRequestFrame({ apiKey, apiVersion: version, correlationId, clientId: 'slab-test' }, body));
}

/** A batch whose records are tagged `tag-<i>`, padded to `valueSize` bytes with a tag-derived byte. */
function taggedBatch(tag: string, count: number, valueSize: number): Buffer {
  const now = Date.now();
  const fill = tag.split('').reduce((a, c) => (a * 31 + c.charCodeAt(0)) & 0xff, 7);
  return buildBatch(
    Array.from({ length: count }, (_, i) => {
      const v = Buffer.alloc(valueSize, fill);
      v.write(`${tag}-${i};`);
      return { value: v, timestamp: now };
    }),
  );
}

function produceBody(acks: number, partition: number, records: Buffer) {
  return { transactionalId: null, acks, timeoutMs: 30000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] };
}

function fetchBody(partition: number, offset: number, maxWaitMs: number) {
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 8 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 4 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Walks batches: checks each CRC and collects the record tags (the value up to ';'). */
function collect(buf: Buffer, tags: string[]): { next: number; batches: number } {
  let next = -1;
  let batches = 0;
  for (let at = 0; at + 61 <= buf.length; ) {
    const size = buf.readInt32BE(at + 8) + 12;
    if (at + size > buf.length) break;
    const batch = buf.subarray(at, at + size);
    assert.equal(batch.readUInt32BE(17), crc32c(batch.subarray(21)) >>> 0, `CRC of the batch at offset ${batch.readBigInt64BE(0)}`);
    let p = 61;
    const count = batch.readInt32BE(57);
    for (let i = 0; i < count; i++) {
      const [len, l1] = varint(batch, p);
      const end = p + l1 + len;
      let q = p + l1 + 1; // attributes
      q += varint(batch, q)[1]; // timestamp delta
      q += varint(batch, q)[1]; // offset delta
      const [keyLen, l2] = varint(batch, q);
      q += l2 + Math.max(0, keyLen);
      const [valueLen, l3] = varint(batch, q);
      q += l3;
      const value = batch.subarray(q, q + valueLen);
      tags.push(value.subarray(0, value.indexOf(';')).toString());
      p = end;
    }
    next = Number(batch.readBigInt64BE(0)) + batch.readInt32BE(23) + 1;
    batches++;
    at += size;
  }
  return { next, batches };
}

function varint(buf: Buffer, at: number): [number, number] {
  let v = 0;
  let shift = 0;
  let i = 0;
  for (;;) {
    const b = buf[at + i]!;
    v += (b & 0x7f) * 2 ** shift;
    i++;
    if (b < 0x80) break;
    shift += 7;
  }
  return [v % 2 === 0 ? v / 2 : -(v + 1) / 2, i];
}

test('produce and fetch under load: slabs and pooled reads are never reused while in use', { timeout: 120_000 }, async () => {
  const dir = tmpDir('samsa-slabs-');
  const broker = await startBroker({ port: 0, logDirs: dir });
  const sent: string[] = [];
  try {
    const admin = await RawClient.connect(broker.port);
    const created = await admin.request(19, 5, {
      // Batches of 3 MB (a frame larger than a read slab) must be accepted.
      topics: [
        {
          name: TOPIC,
          numPartitions: PARTITIONS,
          replicationFactor: 1,
          assignments: [],
          configs: [{ name: 'max.message.bytes', value: String(8 << 20) }],
        },
      ],
      timeoutMs: 30000,
      validateOnly: false,
    });
    assert.equal(created.topics[0].errorCode, 0);
    admin.close();

    const slabsBefore = socketSlabPool.stats();
    const fetchBefore = fetchReadPool.stats();
    let stopTailing = false;
    const tailed: string[][] = Array.from({ length: PARTITIONS }, () => []);

    // Tailing consumers: long polls that read what was just written, while producers write.
    const tails = Array.from({ length: PARTITIONS }, async (_, partition) => {
      const c = await RawClient.connect(broker.port);
      let offset = 0;
      try {
        while (!stopTailing) {
          const res = await c.request(1, 12, fetchBody(partition, offset, 50));
          const p = res.responses[0]?.partitions[0];
          assert.equal(p.errorCode, 0);
          if (p.records?.length) offset = collect(p.records, tailed[partition]!).next;
        }
      } finally {
        c.close();
      }
      return offset;
    });

    // Pipelining producers with acks 0, 1 and all; sizes from 1 KB to 300 KB, and a few of 3 MB (more than a slab).
    const producer = async (conn: number, acks: number, requests: number) => {
      const c = await RawClient.connect(broker.port);
      const pending: Promise<any>[] = [];
      const check = (res: any) => {
        if (res) assert.equal(res.responses[0].partitionResponses[0].errorCode, 0, `produce on connection ${conn}`);
      };
      for (let r = 0; r < requests; r++) {
        const tag = `c${conn}-r${r}`;
        const big = r % 37 === 5;
        const count = big ? 3 : 1 + ((r * 7) % 20);
        const valueSize = big ? 1_000_000 : 50 + ((r * 7919) % 15000);
        const batch = taggedBatch(tag, count, valueSize);
        for (let i = 0; i < count; i++) sent.push(`${tag}-${i}`);
        pending.push(c.request(0, 9, produceBody(acks, r % PARTITIONS, batch), { expectResponse: acks !== 0 }));
        if (pending.length >= 16) check(await pending.shift());
      }
      for (const res of await Promise.all(pending)) check(res);
      // acks=0 requests are settled in order per connection: an acks=1 request behind them on each partition
      // answers after all of them were appended.
      for (let p = 0; p < PARTITIONS; p++) {
        const tag = `c${conn}-end${p}`;
        sent.push(`${tag}-0`);
        const res = await c.request(0, 9, produceBody(1, p, taggedBatch(tag, 1, 10)));
        assert.equal(res.responses[0].partitionResponses[0].errorCode, 0);
      }
      c.close();
    };

    // One producer whose frames arrive in odd-sized pieces, so most straddle reads.
    const dribbler = async (requests: number) => {
      const s = net.connect({ port: broker.port, host: '127.0.0.1' });
      await new Promise((r) => s.once('connect', r));
      let answered = 0;
      let pendingBytes = Buffer.alloc(0);
      const allAnswered = new Promise<void>((resolve, reject) => {
        s.on('data', (d: Buffer) => {
          pendingBytes = Buffer.concat([pendingBytes, d]);
          while (pendingBytes.length >= 4 && pendingBytes.length >= 4 + pendingBytes.readInt32BE(0)) {
            pendingBytes = pendingBytes.subarray(4 + pendingBytes.readInt32BE(0));
            if (++answered === requests) resolve();
          }
        });
        s.on('error', reject);
      });
      const frames: Buffer[] = [];
      for (let r = 0; r < requests; r++) {
        const tag = `d-r${r}`;
        const count = 1 + (r % 5);
        for (let i = 0; i < count; i++) sent.push(`${tag}-${i}`);
        frames.push(encodeFrame(0, 9, r + 1, produceBody(1, r % PARTITIONS, taggedBatch(tag, count, 3000 + r * 131))));
      }
      const all = Buffer.concat(frames);
      for (let at = 0, piece = 1; at < all.length; piece = (piece * 13 + 7) % 70001) {
        const n = Math.min(all.length - at, 1 + piece);
        if (!s.write(all.subarray(at, at + n))) await new Promise((r) => s.once('drain', r));
        at += n;
        if (piece % 5 === 0) await new Promise((r) => setImmediate(r));
      }
      await allAnswered;
      s.destroy();
    };

    await Promise.all(process.env.ONLY_DRIBBLE ? [dribbler(120)] : [producer(0, 0, 100), producer(1, 1, 100), producer(2, -1, 100), producer(3, 1, 100), dribbler(100)]);
    stopTailing = true;
    const ends = await Promise.all(tails);

    // A consumer that stops reading: its answers wait in the socket's buffers (pooled read buffers
    // among them) while other connections fetch into the pool; they must arrive intact.
    const slow = await RawClient.connect(broker.port);
    slow.socket.pause();
    const slowAnswers = Array.from({ length: 12 }, (_, i) => slow.request(1, 12, fetchBody(i % PARTITIONS, 0, 0)));
    // Pipelined fetches spread over each partition: many pooled reads in flight at once.
    const busy = Array.from({ length: 2 }, async () => {
      const c = await RawClient.connect(broker.port);
      for (let round = 0; round < 2; round++) {
        for (let partition = 0; partition < PARTITIONS; partition++) {
          const spread = Array.from({ length: 8 }, (_, i) => Math.floor((ends[partition]! * i) / 8));
          const answers = await Promise.all(spread.map((offset) => c.request(1, 12, fetchBody(partition, offset, 0))));
          for (const res of answers) collect(res.responses[0].partitions[0].records ?? Buffer.alloc(0), []);
        }
      }
      c.close();
    });
    await Promise.all(busy);
    slow.socket.resume();
    for (const res of await Promise.all(slowAnswers)) {
      const p = res.responses[0].partitions[0];
      assert.equal(p.errorCode, 0);
      assert.ok(collect(p.records, []).batches > 0);
    }
    slow.close();

    // Everything, read back from the start with fresh connections: each record exactly once, all CRCs valid.
    const stored: string[] = [];
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const c = await RawClient.connect(broker.port);
      let offset = 0;
      for (;;) {
        const res = await c.request(1, 12, fetchBody(partition, offset, 0));
        const p = res.responses[0].partitions[0];
        assert.equal(p.errorCode, 0);
        if (!p.records?.length) break;
        const { next } = collect(p.records, stored);
        offset = next;
        if (offset >= p.highWatermark) break;
      }
      c.close();
      // The tailing consumer saw a prefix of the same records, in the same order.
      const tailSeen = tailed[partition]!;
      assert.ok(ends[partition]! >= 0);
      const mine = new Set(stored);
      assert.ok(tailSeen.length > 0, `partition ${partition} was tailed`);
      assert.deepEqual(new Set(tailSeen).size, tailSeen.length, 'no record twice in the tail');
      for (const t of tailSeen) assert.ok(mine.has(t), `tailed record ${t} is stored`);
    }
    assert.equal(stored.length, sent.length, 'record count');
    assert.deepEqual([...stored].sort(), [...sent].sort());

    const slabs = socketSlabPool.stats();
    const reads = fetchReadPool.stats();
    assert.ok(slabs.reused > slabsBefore.reused, 'socket slabs were reused');
    assert.ok(reads.reused > fetchBefore.reused, 'fetch read buffers were reused');
  } finally {
    await broker.close();
    rmDir(dir);
  }
  // Every connection is closed: nothing is still lent out.
  for (let i = 0; i < 100 && (socketSlabPool.stats().lent > 0 || fetchReadPool.stats().lent > 0); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(socketSlabPool.stats().lent, 0, 'slabs lent after every connection closed');
  assert.equal(fetchReadPool.stats().lent, 0, 'fetch buffers lent after every connection closed');
});
