// Helpers shared by the third-party client compatibility tests (kcat,
// kafka-python, confluent-kafka-python): topic set-up through our own wire
// client where a tool cannot do it, a raw look at stored batches, and
// condition polling with deadlines (never fixed sleeps).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RawClient } from './raw-client.js';
import { runPython, RunResult } from './harness.js';
import * as header from '../../src/protocol/records/batch-header.js';

/** A topic name unique to this run, so tests never see each other's data. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Creates a topic with CreateTopics v5 through the raw client; asserts success. */
export async function createTopic(port: number, name: string, numPartitions = 1, configs: Record<string, string> = {}): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    const res = await c.request(19, 5, {
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
    assert.equal(res.topics[0].errorCode, 0, `CreateTopics ${name}: ${res.topics[0].errorMessage}`);
  } finally {
    c.close();
  }
}

export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  magic: number;
  records: number;
  compression: number;
  logAppendTime: boolean;
  maxTimestamp: number;
}

/** The batches of one partition as the broker serves them (Fetch v11), headers only. */
export async function fetchBatches(port: number, topic: string, partition = 0): Promise<StoredBatch[]> {
  const c = await RawClient.connect(port);
  const out: StoredBatch[] = [];
  try {
    let offset = 0;
    for (;;) {
      const res = await c.request(1, 11, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 64 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 32 << 20 }] }],
        forgottenTopicsData: [],
        rackId: '',
      });
      const p = res.responses[0].partitions[0];
      assert.equal(p.errorCode, 0, `Fetch ${topic}-${partition} at ${offset}: error ${p.errorCode}`);
      const buf: Buffer | null = p.records;
      let at = 0;
      let got = 0;
      while (buf && at + header.BATCH_HEADER_SIZE <= buf.length) {
        const size = header.batchSize(buf, at);
        if (at + size > buf.length) break;
        out.push({
          baseOffset: header.baseOffset(buf, at),
          lastOffset: header.lastOffset(buf, at),
          magic: header.magic(buf, at),
          records: header.recordsCount(buf, at),
          compression: header.compression(buf, at),
          logAppendTime: header.isLogAppendTime(buf, at),
          maxTimestamp: header.maxTimestamp(buf, at),
        });
        offset = header.lastOffset(buf, at) + 1;
        at += size;
        got++;
      }
      if (got === 0 || offset >= p.highWatermark) return out;
    }
  } finally {
    c.close();
  }
}

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs a Python program that prints one JSON document as its last stdout line; returns it parsed. */
export async function pythonJson<T = any>(script: string, args: string[] = [], timeoutMs = 90000): Promise<T> {
  const r: RunResult = await runPython(script, args, timeoutMs);
  if (r.status !== 0) {
    throw new Error(`python exited with ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  const lines = r.stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`python did not print JSON\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

export const CODEC = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
