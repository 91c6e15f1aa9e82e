// Compaction benchmark of issue 7, run by hand: `npm run bench:compaction`
// (builds, then runs dist/bench/compaction.js). Not part of the test suite.
//
// In one run, on one broker process (bench/lib/broker.ts):
//  1. creates a compacted topic (cleanup.policy=compact, segment.bytes 64 MiB,
//     min.cleanable.dirty.ratio 0.01) with min.compaction.lag.ms set very high,
//     so that the cleaner (log.cleaner.backoff.ms 100) leaves it alone while it
//     is filled with ~1 GiB of keyed records over 100,000 distinct keys
//     (pre-encoded Produce v9 requests, 16 KiB batches, 1 KiB values, acks=1);
//  2. measures produce throughput on a second topic while the cleaner is idle:
//     3 short windows of the load generator (bench/lib/load-generator.ts);
//  3. sets min.compaction.lag.ms=0 on the compacted topic
//     (IncrementalAlterConfigs): from that answer the whole dirty log is
//     cleanable; cleaning time runs from then until cleaner-offset-checkpoint
//     holds, for every partition, the base offset of its active segment (the
//     end of the cleanable range), polled every 10 ms;
//  4. while it cleans, measures produce throughput on the second topic again
//     (3 windows; a window that ended after the cleaning did is reported).
// Cleaning MB/s = bytes of the dirty segments (all but the active one) / that time.
// Prints the figures and the busy/idle ratio with PASS/MISS (target >= 80%).
// Options: --bytes N (default 1 GiB), --window-ms N (default 1000).

import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { RawClient } from '../test/integration/raw-client.js';
import { cpuSeconds, startBroker, type BrokerHandle } from './lib/broker.js';
import { median, encodeRequest, FrameScanner, PRODUCE, PRODUCE_VERSION } from './lib/wire.js';
import { buildBatch } from '../src/protocol/records/batch.js';
import type { ProduceArgs, ProduceResult } from './lib/load-generator.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    bytes: { type: 'string', default: String(1 << 30) },
    'window-ms': { type: 'string', default: '1000' },
  },
});
const FILL_BYTES = Number(opts.bytes);
const WINDOW_MS = Number(opts['window-ms']);
const PARTITIONS = 4;
const KEYS = 100_000;
const VALUE_BYTES = 1024;
const SEGMENT_BYTES = 64 << 20;
const CONNS = 4;
const DEPTH = 8;
const WINDOWS = 3;
const COMPACTED = 'compacted';
const TARGET = 0.8;

const MB = 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const log = (s: string) => process.stdout.write(`${s}\n`);

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-compaction-'));
let broker: BrokerHandle | null = null;

// ---------------------------------------------------------------- load generator (worker thread)

const worker = new Worker(path.join(HERE, 'lib/load-generator.js'));
let nextId = 1;
const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
  const w = waiting.get(m.id)!;
  waiting.delete(m.id);
  if (m.error) w.reject(new Error(m.error));
  else w.resolve(m.result);
});
function produceWindow(args: ProduceArgs): Promise<ProduceResult> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.postMessage({ id, op: 'produce', args });
  });
}

// ---------------------------------------------------------------- admin

async function withClient<T>(port: number, fn: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await RawClient.connect(port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

async function createTopic(port: number, name: string, configs: Record<string, string> = {}): Promise<void> {
  const r = await withClient(port, (c) =>
    c.request(19, 5, {
      topics: [
        {
          name,
          numPartitions: PARTITIONS,
          replicationFactor: 1,
          assignments: [],
          configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
        },
      ],
      timeoutMs: 30000,
      validateOnly: false,
    }),
  );
  const t = r.topics[0];
  if (t.errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${t.errorCode} ${t.errorMessage}`);
}

async function setTopicConfig(port: number, topic: string, name: string, value: string): Promise<void> {
  const r = await withClient(port, (c) =>
    c.request(44, 0, {
      resources: [{ resourceType: 2, resourceName: topic, configs: [{ name, configOperation: 0, value }] }],
      validateOnly: false,
    }),
  );
  const x = r.responses[0];
  if (x.errorCode !== 0) throw new Error(`IncrementalAlterConfigs ${topic} ${name}: error ${x.errorCode} ${x.errorMessage}`);
}

// ---------------------------------------------------------------- keyed fill

/**
 * Pre-encoded Produce v9 requests (acks=1), each with one 16 KiB batch per
 * partition, that together carry every key exactly once: key k goes to
 * partition k % PARTITIONS (as a client's partitioner would keep a key on one
 * partition), keys in order. Sending the pool round and round writes each key
 * again and again.
 */
async function buildKeyedPool(): Promise<{ requests: Buffer[]; batchBytes: number }> {
  const perBatch = Math.floor((16 * 1024 - 61) / (VALUE_BYTES + 20));
  const perPartition = Math.ceil(KEYS / PARTITIONS);
  const nRequests = Math.ceil(perPartition / perBatch);
  const value = Buffer.alloc(VALUE_BYTES, 0x61);
  const requests: Buffer[] = [];
  let batchBytes = 0;
  const now = Date.now();
  for (let i = 0; i < nRequests; i++) {
    const partitionData = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const records = [];
      for (let j = 0; j < perBatch; j++) {
        const n = i * perBatch + j;
        if (n >= perPartition) break;
        const k = n * PARTITIONS + p;
        if (k >= KEYS) break;
        records.push({ key: Buffer.from(`key-${String(k).padStart(6, '0')}`), value, timestamp: now });
      }
      if (records.length === 0) continue;
      const batch = await buildBatch(records);
      batchBytes += batch.length;
      partitionData.push({ index: p, records: batch });
    }
    requests.push(
      encodeRequest(PRODUCE, PRODUCE_VERSION, i + 1, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 30000,
        topicData: [{ name: COMPACTED, partitionData }],
      }),
    );
  }
  return { requests, batchBytes: batchBytes / nRequests };
}

/** Sends the pool round and round over CONNS connections, DEPTH in flight each, until `bytes` of batches are acknowledged. */
async function fill(port: number, pool: Buffer[], perRequestBytes: number, bytes: number): Promise<{ seconds: number; requests: number }> {
  const total = Math.ceil(bytes / perRequestBytes);
  let sent = 0;
  let done = 0;
  const t0 = performance.now();
  const sockets = await Promise.all(
    Array.from(
      { length: CONNS },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
          s.setNoDelay(true);
          s.once('error', reject);
        }),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    for (const s of sockets) {
      const scanner = new FrameScanner(() => {
        done++;
        if (sent < total) s.write(pool[sent++ % pool.length]!);
        else if (done === total) resolve();
      });
      s.on('data', (d: Buffer) => scanner.push(d));
      s.on('error', reject);
    }
    for (let d = 0; d < DEPTH; d++) for (const s of sockets) if (sent < total) s.write(pool[sent++ % pool.length]!);
  });
  for (const s of sockets) s.destroy();
  return { seconds: (performance.now() - t0) / 1000, requests: total };
}

// ---------------------------------------------------------------- log files

interface PartitionFiles {
  activeBase: number;
  dirtyBytes: number;
  segments: number;
}

function partitionFiles(dir: string, p: number): PartitionFiles {
  const d = path.join(dir, `${COMPACTED}-${p}`);
  const logs = fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.log'))
    .map((f) => ({ base: Number(f.slice(0, -4)), size: fs.statSync(path.join(d, f)).size }))
    .sort((a, b) => a.base - b.base);
  const active = logs[logs.length - 1]!;
  return { activeBase: active.base, dirtyBytes: logs.slice(0, -1).reduce((a, s) => a + s.size, 0), segments: logs.length };
}

function logBytes(dir: string, p: number): number {
  const d = path.join(dir, `${COMPACTED}-${p}`);
  return fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.log'))
    .reduce((a, f) => a + fs.statSync(path.join(d, f)).size, 0);
}

function checkpoint(dir: string): Map<number, number> {
  const m = new Map<number, number>();
  let text = '';
  try {
    text = fs.readFileSync(path.join(dir, 'cleaner-offset-checkpoint'), 'utf8');
  } catch {
    return m;
  }
  for (const line of text.split('\n').slice(2)) {
    const [topic, part, off] = line.trim().split(/\s+/);
    if (topic === COMPACTED && part !== undefined && off !== undefined) m.set(Number(part), Number(off));
  }
  return m;
}

// ---------------------------------------------------------------- main

async function windows(port: number, topic: string, label: string, until?: () => number | null): Promise<{ rates: number[]; late: number }> {
  await createTopic(port, topic);
  const rates: number[] = [];
  let late = 0;
  for (let i = 0; i < WINDOWS; i++) {
    const c0 = cpuSeconds(broker!.pid);
    const w0 = performance.now();
    const r = await produceWindow({
      port,
      topic,
      partitions: PARTITIONS,
      recordSize: 1024,
      acks: 1,
      conns: CONNS,
      depth: DEPTH,
      warmupMs: 200,
      durationMs: WINDOW_MS,
    });
    const cpu = (cpuSeconds(broker!.pid) - c0) / ((performance.now() - w0) / 1000);
    if (r.errors) throw new Error(`produce errors in ${topic}: ${r.firstError}`);
    const ended = until?.();
    const overlap = ended != null && ended < performance.now();
    if (overlap) late++;
    rates.push(r.bytesPerSec);
    log(
      `  ${label} window ${i + 1}: ${fmt(r.bytesPerSec / MB).padStart(5)} MB/s ${fmt(r.recordsPerSec).padStart(8)} rec/s ` +
        `(broker CPU ${fmt(cpu * 100)}%, load generator ${fmt(r.loadgenCpu * 100)}%)${overlap ? '  [cleaning ended during this window]' : ''}`,
    );
  }
  return { rates, late };
}

async function main(): Promise<void> {
  log(`Compaction benchmark: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, node ${process.version}`);
  const dir = path.join(tmpRoot, 'broker');
  fs.mkdirSync(dir, { recursive: true });
  broker = await startBroker({ dir, overrides: { 'log.cleaner.backoff.ms': '100' } });
  const cleanedLines: { t: number; line: string }[] = [];
  const onOut = (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (/cleaned |cleaning .* failed|log cleaner error/.test(line)) cleanedLines.push({ t: performance.now(), line });
  };
  broker.proc.stdout!.on('data', onOut);
  broker.proc.stderr!.on('data', onOut);
  const port = broker.port;

  await createTopic(port, COMPACTED, {
    'cleanup.policy': 'compact',
    'segment.bytes': String(SEGMENT_BYTES),
    'min.cleanable.dirty.ratio': '0.01',
    'min.compaction.lag.ms': String(10 ** 12),
  });
  const { requests: pool, batchBytes } = await buildKeyedPool();
  log(`\nfill: ${pool.length} pre-encoded requests carry the ${fmt(KEYS)} keys once (1 KiB values, ${fmt(batchBytes)} batch bytes/request)`);
  const f = await fill(port, pool, batchBytes, FILL_BYTES);
  const files = Array.from({ length: PARTITIONS }, (_, p) => partitionFiles(dir, p));
  const dirty = files.reduce((a, x) => a + x.dirtyBytes, 0);
  const before = Array.from({ length: PARTITIONS }, (_, p) => logBytes(dir, p)).reduce((a, b) => a + b, 0);
  log(
    `  ${fmt(before / MB)} MB in ${fmt(f.seconds, 1)} s (${fmt(before / MB / f.seconds)} MB/s), ${files.reduce((a, x) => a + x.segments, 0)} segments; ` +
      `dirty (all but the active segments): ${fmt(dirty / MB)} MB; cleaner checkpoint entries so far: ${checkpoint(dir).size}`,
  );

  log(`\nproduce on a second topic, cleaner idle (1 KiB records, acks=1, ${CONNS} conns × ${DEPTH} in flight, 200 ms warm-up + ${WINDOW_MS} ms)`);
  const idle = await windows(port, 'load-idle', 'idle');

  // Start cleaning and measure produce while it runs.
  const tStart = performance.now();
  await setTopicConfig(port, COMPACTED, 'min.compaction.lag.ms', '0');
  let tEnd: number | null = null;
  const poll = (async () => {
    for (;;) {
      const cp = checkpoint(dir);
      if (files.every((x, p) => (cp.get(p) ?? -1) >= x.activeBase)) return (tEnd = performance.now());
      if (cleanedLines.some((l) => /failed|error/.test(l.line))) throw new Error(cleanedLines.map((l) => l.line).join('\n'));
      if (performance.now() - tStart > 600_000) throw new Error('cleaning did not finish within 10 minutes');
      await sleep(10);
    }
  })();
  log(`\nproduce on a third topic while the cleaner runs (cleaning started at the IncrementalAlterConfigs answer)`);
  const busy = await windows(port, 'load-busy', 'busy', () => tEnd);
  await poll;
  const cleanSec = (tEnd! - tStart) / 1000;
  const after = Array.from({ length: PARTITIONS }, (_, p) => logBytes(dir, p)).reduce((a, b) => a + b, 0);
  log(`\ncleaning: ${fmt(dirty / MB)} MB dirty cleaned in ${fmt(cleanSec, 2)} s = ${fmt(dirty / MB / cleanSec, 1)} MB/s; log ${fmt(before / MB)} → ${fmt(after / MB)} MB`);
  for (const l of cleanedLines) log(`  +${fmt((l.t - tStart) / 1000, 2)} s ${l.line.trim().slice(0, 200)}`);

  const idleMed = median(idle.rates);
  const busyMed = median(busy.rates);
  const ratio = busyMed / idleMed;
  log(`\nSummary (issue 7)`);
  log(`  compaction throughput      ${fmt(dirty / MB / cleanSec, 1)} MB/s of dirty log (${fmt(dirty / MB)} MB, ${fmt(KEYS)} keys, ${fmt(cleanSec, 2)} s)`);
  log(`  produce, cleaner idle      ${fmt(idleMed / MB)} MB/s (median of ${WINDOWS})`);
  log(`  produce, cleaner running   ${fmt(busyMed / MB)} MB/s (median of ${WINDOWS}${busy.late ? `; ${busy.late} window(s) ended after the cleaning` : ''})`);
  log(`  ratio                      ${fmt(ratio * 100)}%  (target ≥ ${TARGET * 100}%)  ${ratio >= TARGET ? 'PASS' : 'MISS'}`);
}

async function cleanup(): Promise<void> {
  await broker?.stop().catch(() => {});
  broker = null;
  await worker.terminate();
  fs.rmSync(tmpRoot, { recursive: true, force: true });
}

process.once('SIGINT', () => {
  void cleanup().then(() => process.exit(130));
});

main().then(
  () => cleanup(),
  async (err) => {
    process.stderr.write(`${(err as Error)?.stack ?? err}\n${broker ? `broker output:\n${broker.output()}` : ''}\n`);
    await cleanup();
    process.exitCode = 1;
  },
);
