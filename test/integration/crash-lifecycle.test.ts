// kill -9 at seeded-random moments while producing (acks=all) to a compacted
// topic and a size-retained topic, with the cleaner and the retention check
// running constantly (tiny segments, backoff 50 ms, check every 200 ms). After
// each restart: the log reads from its start to its end with no error, the
// .index/.timeindex files are sane, every key of the compacted topic reads back
// its last acknowledged value (or a later unacknowledged one), and every
// acknowledged record of the delete-policy topic at or above the log start
// offset is readable at its acknowledged offset. Offsets are never reused.
// Finally the cleaner, resumed, compacts the topic to one record per key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startBrokerProcess } from './harness.js';
import { RawClient } from './raw-client.js';
import { createTopic, fetchOnce, waitFor } from './roundtrip.js';
import { buildBatch } from '../../src/protocol/records/batch.js';

const CYCLES = 16;
const SEED = Number(process.env.SAMSA_CRASH_SEED ?? 0x5a3ca);
const COMPACTED = 'crash-compacted';
const RETAINED = 'crash-retained';
const KEYS = 7;

/** mulberry32: a small seeded PRNG, so the kill moments are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rec {
  offset: number;
  key: string;
  value: string;
}

/** Reads a partition from its log start offset to its high watermark; restarts at the new start if retention moves it meanwhile. */
async function readLog(c: RawClient, topic: string): Promise<{ logStart: number; hw: number; records: Rec[] }> {
  for (let attempt = 0; ; attempt++) {
    const first = await fetchOnce(c, topic, 0, 0, 1);
    assert.ok(first.errorCode === 0 || first.errorCode === 1, `fetch ${topic} at 0: error ${first.errorCode}`);
    const logStart = first.logStartOffset;
    const records: Rec[] = [];
    let offset = logStart;
    let hw = first.highWatermark;
    let outOfRange = false;
    while (offset < hw) {
      const r = await fetchOnce(c, topic, 0, offset, 1 << 20);
      if (r.errorCode === 1 && attempt < 20) {
        outOfRange = true; // retention moved the log start under us
        break;
      }
      assert.equal(r.errorCode, 0, `fetch ${topic} at ${offset}: error ${r.errorCode}`);
      hw = r.highWatermark;
      let next = offset;
      for (const b of r.batches) {
        assert.ok(b.crcValid);
        for (const rec of b.records) {
          if (rec.offset < offset) continue;
          records.push({ offset: rec.offset, key: rec.key?.toString() ?? '', value: rec.value?.toString() ?? '' });
        }
        next = Math.max(next, b.baseOffset + b.lastOffsetDelta + 1);
      }
      assert.ok(next > offset || offset >= hw, `fetch ${topic} made no progress at ${offset} (high watermark ${hw})`);
      offset = next;
    }
    if (outOfRange) continue;
    for (let i = 1; i < records.length; i++) assert.ok(records[i]!.offset > records[i - 1]!.offset, `${topic}: offsets not ascending`);
    return { logStart, hw, records };
  }
}

/** Kafka's sanity checks of the .index/.timeindex files of a partition dir (trailing all-zero preallocated entries ignored). */
function checkIndexesOnce(partDir: string): number {
  let checked = 0;
  const read = (f: string): Buffer | null => {
    try {
      return fs.readFileSync(path.join(partDir, f));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // swapped or deleted meanwhile
      throw err;
    }
  };
  for (const f of fs.readdirSync(partDir)) {
    const m = /^(\d{20})\.(index|timeindex)$/.exec(f);
    if (!m) continue;
    const base = Number(m[1]);
    const buf = read(f);
    let logSize: number;
    try {
      logSize = fs.statSync(path.join(partDir, `${m[1]}.log`)).size;
    } catch {
      continue;
    }
    if (!buf) continue;
    checked++;
    const size = m[2] === 'index' ? 8 : 12;
    assert.equal(buf.length % size, 0, `${f}: length ${buf.length} is not a multiple of ${size}`);
    let prevRel = -1;
    let prevPos = -1;
    let prevTs = -Infinity;
    for (let at = 0; at + size <= buf.length; at += size) {
      const entry = buf.subarray(at, at + size);
      if (entry.every((b) => b === 0)) {
        assert.ok(buf.subarray(at).every((b) => b === 0), `${f}: entries after an all-zero entry at ${at}`);
        break;
      }
      if (m[2] === 'index') {
        const rel = entry.readInt32BE(0);
        const pos = entry.readInt32BE(4);
        assert.ok(rel > prevRel, `${f}: offset ${base + rel} not above ${base + prevRel}`);
        assert.ok(pos > prevPos && pos < logSize, `${f}: position ${pos} (log size ${logSize}, previous ${prevPos})`);
        prevRel = rel;
        prevPos = pos;
      } else {
        const ts = Number(entry.readBigInt64BE(0));
        const rel = entry.readInt32BE(8);
        assert.ok(ts >= prevTs, `${f}: timestamp ${ts} below ${prevTs}`);
        assert.ok(rel >= prevRel && rel >= 0, `${f}: offset ${base + rel} below ${base + prevRel}`);
        prevTs = ts;
        prevRel = rel;
      }
    }
  }
  return checked;
}

/** The broker may be trimming or swapping an index file while we read it: a failed check is retried, a real inconsistency persists. */
async function checkIndexes(partDir: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return checkIndexesOnce(partDir);
    } catch (err) {
      if (attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

test(`kill -9 during produce, compaction and retention, ${CYCLES} times: acknowledged data and log consistency survive`, { timeout: 180_000 }, async () => {
  const rand = prng(SEED);
  const broker = await startBrokerProcess({
    overrides: {
      'log.retention.check.interval.ms': '200',
      'log.initial.task.delay.ms': '0',
      'log.cleaner.backoff.ms': '50',
      'log.segment.delete.delay.ms': '100',
    },
  });
  // Compacted topic: key -> the highest acknowledged offset and its value; every value sent per key.
  const lastAcked = new Map<string, { offset: number; value: string }>();
  const sentPerKey = new Map<string, Set<string>>();
  const ackedAt = new Map<string, Map<number, string>>([
    [COMPACTED, new Map()],
    [RETAINED, new Map()],
  ]);
  let prevLogStart = 0;
  try {
    const admin = await RawClient.connect(broker.port);
    const common = { 'segment.ms': '300', 'index.interval.bytes': '100', 'segment.index.bytes': '2400', 'file.delete.delay.ms': '100' };
    await createTopic(admin, COMPACTED, 1, {
      ...common,
      'cleanup.policy': 'compact',
      'segment.bytes': '4096',
      'min.cleanable.dirty.ratio': '0.01',
      'min.compaction.lag.ms': '0',
      'delete.retention.ms': '100',
    });
    await createTopic(admin, RETAINED, 1, { ...common, 'cleanup.policy': 'delete', 'segment.bytes': '2048', 'retention.bytes': '8192' });
    admin.close();

    let seq = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const client = await RawClient.connect(broker.port);
      const killAfterMs = 50 + Math.floor(rand() * 700);
      const inFlight = new Set<Promise<void>>();
      let acks = 0;
      let killAt = Infinity;
      let killed = false;
      const send = async (topic: string): Promise<void> => {
        const n = 1 + Math.floor(rand() * 4);
        const recs = Array.from({ length: n }, () => {
          const s = seq++;
          const key = `k${s % KEYS}`;
          const value = `c${cycle}-s${s}-${'x'.repeat(s % 50)}`;
          if (topic === COMPACTED) {
            if (!sentPerKey.has(key)) sentPerKey.set(key, new Set());
            sentPerKey.get(key)!.add(value);
          }
          return { key, value };
        });
        const batch = await buildBatch(recs.map((r) => ({ key: Buffer.from(r.key), value: Buffer.from(r.value) })));
        const p: Promise<void> = client
          .request(0, 9, { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] })
          .then(
            (res) => {
              const pr = res.responses[0].partitionResponses[0];
              if (pr.errorCode !== 0) return;
              acks++;
              const at = ackedAt.get(topic)!;
              recs.forEach((r, i) => {
                const off = pr.baseOffset + i;
                assert.ok(!at.has(off), `${topic}: offset ${off} acknowledged twice (${at.get(off)} and ${r.value})`);
                at.set(off, r.value);
                if (topic === COMPACTED) {
                  const prev = lastAcked.get(r.key);
                  if (!prev || prev.offset < off) lastAcked.set(r.key, { offset: off, value: r.value });
                }
              });
              if (killAt === Infinity) killAt = Date.now() + killAfterMs;
            },
            () => undefined,
          )
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      };
      while (!killed) {
        while (inFlight.size < 6) await send(rand() < 0.5 ? COMPACTED : RETAINED);
        await Promise.race(inFlight);
        if (Date.now() >= killAt) {
          await broker.kill9();
          killed = true;
        }
      }
      await Promise.allSettled([...inFlight]);
      client.close();
      assert.ok(acks > 0, `cycle ${cycle}: nothing acknowledged`);
      await broker.restart();

      const c = await RawClient.connect(broker.port);
      try {
        // Compacted topic: every key's latest record is its last acknowledged value or a later unacknowledged one.
        const comp = await readLog(c, COMPACTED);
        const latest = new Map<string, Rec>();
        for (const r of comp.records) {
          latest.set(r.key, r);
          const acked = ackedAt.get(COMPACTED)!.get(r.offset);
          if (acked !== undefined) assert.equal(r.value, acked, `${COMPACTED}: offset ${r.offset} holds another value than acknowledged`);
        }
        for (const [key, ack] of lastAcked) {
          const got = latest.get(key);
          assert.ok(got, `cycle ${cycle}: key ${key} lost (last acknowledged ${ack.value} at ${ack.offset})`);
          assert.ok(got.offset >= ack.offset, `cycle ${cycle}: key ${key} reads ${got.value} at ${got.offset}, older than acknowledged ${ack.value} at ${ack.offset}`);
          if (got.offset === ack.offset) assert.equal(got.value, ack.value);
          else assert.ok(sentPerKey.get(key)!.has(got.value), `cycle ${cycle}: key ${key} reads unknown value ${got.value}`);
        }
        // Delete-policy topic: everything acknowledged at or above the log start is there, at its offset.
        const ret = await readLog(c, RETAINED);
        assert.ok(ret.logStart >= prevLogStart, `log start went back from ${prevLogStart} to ${ret.logStart}`);
        prevLogStart = ret.logStart;
        const byOffset = new Map(ret.records.map((r) => [r.offset, r.value]));
        let present = 0;
        for (const [off, value] of ackedAt.get(RETAINED)!) {
          if (off < ret.logStart) continue;
          assert.equal(byOffset.get(off), value, `cycle ${cycle}: acknowledged ${RETAINED} offset ${off} (log start ${ret.logStart}, hw ${ret.hw})`);
          present++;
        }
        for (const r of ret.records) {
          const acked = ackedAt.get(RETAINED)!.get(r.offset);
          if (acked !== undefined) assert.equal(r.value, acked);
        }
        assert.ok(present > 0 || ackedAt.get(RETAINED)!.size === 0, 'retention removed every acknowledged record');
        for (const t of [COMPACTED, RETAINED]) await checkIndexes(path.join(broker.dataDir, `${t}-0`));
      } finally {
        c.close();
      }
    }

    // The cleaner resumed: with nothing produced, quiet segments roll and everything is compacted to one record per key.
    const c = await RawClient.connect(broker.port);
    try {
      await waitFor(
        'the compacted topic to hold one record per key',
        async () => {
          const { records } = await readLog(c, COMPACTED);
          return records.length === new Set(records.map((r) => r.key)).size && records.length === KEYS;
        },
        30000,
      );
      const { records } = await readLog(c, COMPACTED);
      for (const r of records) {
        const ack = lastAcked.get(r.key)!;
        assert.ok(r.offset >= ack.offset);
      }
    } finally {
      c.close();
    }
    assert.doesNotMatch(broker.output(), /CorruptRecord|Unhandled|TypeError/);
  } catch (err) {
    console.error(`seed ${SEED}; broker output (tail):\n${broker.output().slice(-6000)}`);
    if (process.env.SAMSA_CRASH_KEEP) fs.cpSync(broker.dataDir, `${process.env.SAMSA_CRASH_KEEP}-${process.pid}`, { recursive: true });
    throw err;
  } finally {
    await broker.destroy();
  }
});
