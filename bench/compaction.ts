// Compaction benchmark of issue 7, run by hand: `npm run bench:compaction`
// (builds, then runs dist/bench/compaction.js). Not part of the test suite.
//
// In one run, on one broker process (bench/lib/broker.ts):
//  1. creates --shards (default 3) compacted topics `compacted-<s>` of one
//     partition each (cleanup.policy=compact, segment.bytes 64 MiB,
//     min.cleanable.dirty.ratio 0.01) with min.compaction.lag.ms set very
//     high, so that the cleaner (log.cleaner.backoff.ms 100) leaves them alone
//     while they are filled with ~1 GiB of keyed records over 100,000 distinct
//     keys, key k in topic k mod shards (pre-encoded Produce v9 requests,
//     16 KiB batches, 1 KiB values, acks=1);
//  2. waits for the fill's write-back to settle (sync, then Dirty in
//     /proc/meminfo below 32 MB);
//  3. runs a steady produce load on a second topic "load" (4 partitions,
//     pre-encoded Produce v9 requests of one 16 KiB batch of 1 KiB records per
//     partition, acks=1, 4 connections × 8 in flight; retention.bytes keeps
//     its log small) and counts the acknowledged bytes in 250 ms buckets,
//     while for each compacted topic but the last in turn: 6 s idle, then
//     min.compaction.lag.ms=0 on it (IncrementalAlterConfigs) and its
//     cleaning, until cleaner-offset-checkpoint reaches its active segment's
//     base (polled every 10 ms); 6 s idle at the end;
//  4. stops the load and cleans the last compacted topic: the cleaner's speed
//     on a quiet broker.
// Buckets wholly inside a cleaning are "busy", those wholly inside an idle
// stretch (from 1 s after a cleaning ended) are "idle". Idle and busy
// stretches alternate a few seconds apart, so that the load of other
// processes on the machine and write-back fall on both alike. The ratio is
// median(busy buckets) / median(idle buckets), target >= 80%; each cleaning's
// busy median is also compared with the idle stretches on either side.
// Cleaning MB/s = bytes of the dirty segments (all but the active one) / the
// cleaning time, with no load (step 4) and under the produce load (step 3,
// where the cleaner thread, at nice 19 and pacing itself by the broker's
// event-loop load, yields to the producers). Also printed: broker CPU per
// stretch, the broker threads that used the most CPU while cleaning (with
// their nice value, from /proc), and the load average (other processes share
// the machine).
// Options: --bytes N (default 1 GiB), --shards N (default 3).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { RawClient } from '../test/integration/raw-client.js';
import { cpuSeconds, startBroker, type BrokerHandle } from './lib/broker.js';
import { median, decodeResponse, encodeRequest, FrameScanner, PRODUCE, PRODUCE_VERSION } from './lib/wire.js';
import { buildBatch } from '../src/protocol/records/batch.js';

const { values: opts } = parseArgs({
  options: {
    bytes: { type: 'string', default: String(1 << 30) },
    shards: { type: 'string', default: '3' },
  },
});
const FILL_BYTES = Number(opts.bytes);
const BUCKET_MS = 250;
const IDLE_MS = 6000;
/** Time after a cleaning ends before idle buckets count (the swap, deletes, write-back of the cleaned files). */
const AFTER_MS = 1000;
/** Partitions of the produce topic. */
const PARTITIONS = 4;
/** Compacted topics (one partition each): the log is cleaned one of them at a time. */
const SHARDS = Number(opts.shards);
const KEYS = 100_000;
const VALUE_BYTES = 1024;
const SEGMENT_BYTES = 64 << 20;
const CONNS = 4;
const DEPTH = 8;
const COMPACTED = (s: number) => `compacted-${s}`;
const TARGET = 0.8;

const MB = 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const log = (s: string) => process.stdout.write(`${s}\n`);

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-compaction-'));
let broker: BrokerHandle | null = null;

// ---------------------------------------------------------------- admin

async function withClient<T>(port: number, fn: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await RawClient.connect(port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

async function createTopic(port: number, name: string, configs: Record<string, string> = {}, partitions = PARTITIONS): Promise<void> {
  const r = await withClient(port, (c) =>
    c.request(19, 5, {
      topics: [
        {
          name,
          numPartitions: partitions,
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
 * compacted topic, that together carry every key exactly once: key k goes to
 * topic k % SHARDS, keys in order. Sending the pool round and round writes each key
 * again and again.
 */
async function buildKeyedPool(): Promise<{ requests: Buffer[]; batchBytes: number }> {
  const perBatch = Math.floor((16 * 1024 - 61) / (VALUE_BYTES + 20));
  const perPartition = Math.ceil(KEYS / SHARDS);
  const nRequests = Math.ceil(perPartition / perBatch);
  const value = Buffer.alloc(VALUE_BYTES, 0x61);
  const requests: Buffer[] = [];
  let batchBytes = 0;
  const now = Date.now();
  for (let i = 0; i < nRequests; i++) {
    const partitionData = [];
    for (let p = 0; p < SHARDS; p++) {
      const records = [];
      for (let j = 0; j < perBatch; j++) {
        const n = i * perBatch + j;
        if (n >= perPartition) break;
        const k = n * SHARDS + p;
        if (k >= KEYS) break;
        records.push({ key: Buffer.from(`key-${String(k).padStart(6, '0')}`), value, timestamp: now });
      }
      if (records.length === 0) continue;
      const batch = await buildBatch(records);
      batchBytes += batch.length;
      partitionData.push({ name: COMPACTED(p), partitionData: [{ index: 0, records: batch }] });
    }
    requests.push(
      encodeRequest(PRODUCE, PRODUCE_VERSION, i + 1, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 30000,
        topicData: partitionData,
      }),
    );
  }
  return { requests, batchBytes: batchBytes / nRequests };
}

/** Sends the pool round and round over CONNS connections, DEPTH in flight each, until `bytes` of batches are acknowledged. */
/** CONNS loopback connections to the broker, Nagle off. */
function connectAll(port: number): Promise<net.Socket[]> {
  return Promise.all(
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
}

async function fill(port: number, pool: Buffer[], perRequestBytes: number, bytes: number): Promise<{ seconds: number; requests: number }> {
  const total = Math.ceil(bytes / perRequestBytes);
  let sent = 0;
  let done = 0;
  const t0 = performance.now();
  const sockets = await connectAll(port);
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
  const d = path.join(dir, `${COMPACTED(p)}-0`);
  const logs = fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.log'))
    .map((f) => ({ base: Number(f.slice(0, -4)), size: fs.statSync(path.join(d, f)).size }))
    .sort((a, b) => a.base - b.base);
  const active = logs[logs.length - 1]!;
  return { activeBase: active.base, dirtyBytes: logs.slice(0, -1).reduce((a, s) => a + s.size, 0), segments: logs.length };
}

function logBytes(dir: string, p: number): number {
  const d = path.join(dir, `${COMPACTED(p)}-0`);
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
    const s = /^compacted-(\d+)$/.exec(topic ?? '');
    if (s && part === '0' && off !== undefined) m.set(Number(s[1]), Number(off));
  }
  return m;
}

// ---------------------------------------------------------------- machine state

function dirtyMB(): number {
  try {
    const m = /^Dirty:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Flush dirty pages and wait until little is left to write back (other processes may keep some). */
async function settle(label: string): Promise<void> {
  const t0 = performance.now();
  try {
    execFileSync('sync');
  } catch {
    // no sync(1): just wait below
  }
  while (dirtyMB() > 32 && performance.now() - t0 < 30_000) await sleep(100);
  log(`  (${label}: write-back settled in ${fmt((performance.now() - t0) / 1000, 1)} s, Dirty ${fmt(dirtyMB())} MB, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
}

interface ThreadCpu {
  comm: string;
  nice: number;
  ticks: number;
}

/** CPU ticks (utime + stime), name and nice value of each thread of `pid`, from /proc. */
function threadCpu(pid: number): Map<number, ThreadCpu> {
  const out = new Map<number, ThreadCpu>();
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields from 3 on: utime 14, stime 15, nice 19.
      out.set(Number(tid), {
        comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        nice: Number(rest[19 - 3]),
        ticks: Number(rest[14 - 3]) + Number(rest[15 - 3]),
      });
    }
  } catch {
    // not Linux, or the broker is gone
  }
  return out;
}

const TICKS_PER_SEC = 100;

/** The `n` threads that used the most CPU between two threadCpu samples, as "tid name nice N: X%". */
function topThreads(a: Map<number, ThreadCpu>, b: Map<number, ThreadCpu>, seconds: number, n = 3): string {
  return [...b]
    .map(([tid, t]) => ({ tid, t, pct: ((t.ticks - (a.get(tid)?.ticks ?? 0)) / TICKS_PER_SEC / seconds) * 100 }))
    .sort((x, y) => y.pct - x.pct)
    .slice(0, n)
    .map(({ tid, t, pct }) => `${tid} ${t.comm} nice ${t.nice}: ${fmt(pct)}%`)
    .join(', ');
}

// ---------------------------------------------------------------- main

/** The steady produce load of step 3: bytes acknowledged per BUCKET_MS since start. */
class SteadyLoad {
  readonly buckets: number[] = [];
  private stopped = false;
  private sockets: net.Socket[] = [];
  private inFlight = 0;
  private drained: (() => void) | null = null;
  t0 = 0;
  errors = 0;

  constructor(private readonly pool: Buffer[], private readonly batchBytes: number) {}

  async start(port: number): Promise<void> {
    this.sockets = await connectAll(port);
    this.t0 = performance.now();
    let next = 0;
    let answers = 0;
    for (const s of this.sockets) {
      const send = () => {
        this.inFlight++;
        s.write(this.pool[next++ % this.pool.length]!);
      };
      const scanner = new FrameScanner(
        (_size, body) => {
          this.inFlight--;
          if (body && produceFailed(body)) this.errors++;
          const b = Math.floor((performance.now() - this.t0) / BUCKET_MS);
          while (this.buckets.length <= b) this.buckets.push(0);
          this.buckets[b]! += this.batchBytes;
          if (!this.stopped) send();
          else if (this.inFlight === 0) this.drained?.();
        },
        () => answers++ % 64 === 0, // decode one answer in 64: errors show, the load stays cheap
      );
      s.on('data', (d: Buffer) => scanner.push(d));
      s.on('error', () => {});
      for (let d = 0; d < DEPTH; d++) send();
    }
  }

  /** Milliseconds since the load started. */
  at(): number {
    return performance.now() - this.t0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.inFlight > 0) await new Promise<void>((r) => (this.drained = r));
    for (const s of this.sockets) s.destroy();
  }
}

/** Whether a sampled Produce response reports a partition error. */
function produceFailed(frame: Buffer): boolean {
  const r = decodeResponse(PRODUCE, PRODUCE_VERSION, frame);
  return r.responses.some((t: { partitionResponses: { errorCode: number }[] }) => t.partitionResponses.some((p) => p.errorCode !== 0));
}

/** Requests for the steady load: one 16 KiB batch of 1 KiB unkeyed records per partition of "load". */
async function buildLoadPool(): Promise<{ requests: Buffer[]; batchBytes: number }> {
  const value = Buffer.alloc(1024, 0x62);
  const requests: Buffer[] = [];
  let batchBytes = 0;
  for (let i = 0; i < 8; i++) {
    const partitionData = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const batch = await buildBatch(Array.from({ length: 15 }, () => ({ key: null, value, timestamp: Date.now() })));
      batchBytes = batch.length * PARTITIONS;
      partitionData.push({ index: p, records: batch });
    }
    requests.push(encodeRequest(PRODUCE, PRODUCE_VERSION, 1_000_000 + i, { transactionalId: null, acks: 1, timeoutMs: 30000, topicData: [{ name: 'load', partitionData }] }));
  }
  return { requests, batchBytes };
}

interface Stretch {
  kind: 'idle' | 'busy';
  from: number;
  to: number;
  cpu: number;
  threads?: string;
}

/** MB/s of each bucket wholly inside [from, to). */
function bucketRates(load: SteadyLoad, from: number, to: number): number[] {
  const out: number[] = [];
  for (let b = Math.ceil(from / BUCKET_MS); (b + 1) * BUCKET_MS <= to && b < load.buckets.length; b++) out.push(load.buckets[b]! / (BUCKET_MS / 1000) / MB);
  return out;
}

async function main(): Promise<void> {
  log(`Compaction benchmark: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, node ${process.version}`);
  log(`load average at the start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const dir = path.join(tmpRoot, 'broker');
  fs.mkdirSync(dir, { recursive: true });
  broker = await startBroker({ dir, overrides: { 'log.cleaner.backoff.ms': '100', 'log.retention.check.interval.ms': '500' } });
  const cleanedLines: { t: number; line: string }[] = [];
  const onOut = (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (/cleaned |cleaning .* failed|log cleaner error/.test(line)) cleanedLines.push({ t: performance.now(), line });
  };
  broker.proc.stdout!.on('data', onOut);
  broker.proc.stderr!.on('data', onOut);
  const port = broker.port;

  for (let s = 0; s < SHARDS; s++) {
    await createTopic(
      port,
      COMPACTED(s),
      { 'cleanup.policy': 'compact', 'segment.bytes': String(SEGMENT_BYTES), 'min.cleanable.dirty.ratio': '0.01', 'min.compaction.lag.ms': String(10 ** 12) },
      1,
    );
  }
  await createTopic(port, 'load', { 'segment.bytes': String(32 << 20), 'retention.bytes': String(64 << 20) });
  const { requests: pool, batchBytes } = await buildKeyedPool();
  log(`\nfill: ${pool.length} pre-encoded requests carry the ${fmt(KEYS)} keys once (1 KiB values, ${fmt(batchBytes)} batch bytes/request)`);
  const f = await fill(port, pool, batchBytes, FILL_BYTES);
  const files = Array.from({ length: SHARDS }, (_, p) => partitionFiles(dir, p));
  const dirty = files.reduce((a, x) => a + x.dirtyBytes, 0);
  const before = Array.from({ length: SHARDS }, (_, p) => logBytes(dir, p)).reduce((a, b) => a + b, 0);
  log(
    `  ${fmt(before / MB)} MB in ${fmt(f.seconds, 1)} s (${fmt(before / MB / f.seconds)} MB/s), ${files.reduce((a, x) => a + x.segments, 0)} segments; ` +
      `dirty (all but the active segments): ${fmt(dirty / MB)} MB; cleaner checkpoint entries so far: ${checkpoint(dir).size}`,
  );
  await settle('after the fill');

  const lp = await buildLoadPool();
  const load = new SteadyLoad(lp.requests, lp.batchBytes);
  await load.start(port);
  log(`\nsteady produce on "load" (1 KiB records, acks=1, ${CONNS} conns × ${DEPTH} in flight), ${BUCKET_MS} ms buckets; idle ${IDLE_MS} ms between cleanings`);
  const stretches: Stretch[] = [];
  const cleanSecs: number[] = [];
  const stretch = async (kind: 'idle' | 'busy', from: number, until: () => Promise<void>): Promise<Stretch> => {
    const c0 = cpuSeconds(broker!.pid);
    const th0 = threadCpu(broker!.pid);
    await until();
    const to = load.at();
    const sec = (to - from) / 1000;
    const x: Stretch = { kind, from, to, cpu: (cpuSeconds(broker!.pid) - c0) / sec, threads: kind === 'busy' ? topThreads(th0, threadCpu(broker!.pid), sec) : undefined };
    stretches.push(x);
    const rates = bucketRates(load, kind === 'idle' ? from + (stretches.length > 1 ? AFTER_MS : 1000) : from, to);
    log(`  ${kind} ${fmt(from / 1000, 1)}–${fmt(to / 1000, 1)} s: median ${fmt(median(rates))} MB/s over ${rates.length} buckets (broker CPU ${fmt(x.cpu * 100)}%)${x.threads ? `; top threads ${x.threads}` : ''}`);
    return x;
  };
  const untilCleaned = async (s: number, tStart: number): Promise<void> => {
    for (;;) {
      if ((checkpoint(dir).get(s) ?? -1) >= files[s]!.activeBase) return;
      if (cleanedLines.some((l) => /failed|error/.test(l.line))) throw new Error(cleanedLines.map((l) => l.line).join('\n'));
      if (performance.now() - tStart > 600_000) throw new Error('cleaning did not finish within 10 minutes');
      await sleep(10);
    }
  };
  const LOADED = SHARDS - 1;
  for (let s = 0; s <= LOADED; s++) {
    await stretch('idle', load.at(), () => sleep(IDLE_MS).then(() => {}));
    if (s === LOADED) break;
    const tStart = performance.now();
    await setTopicConfig(port, COMPACTED(s), 'min.compaction.lag.ms', '0');
    await stretch('busy', load.at(), () => untilCleaned(s, tStart));
    cleanSecs.push((performance.now() - tStart) / 1000);
  }
  await load.stop();
  if (load.errors > 0) throw new Error(`${load.errors} produce errors`);
  // The last compacted topic is cleaned with no produce load: the speed of the cleaner on a quiet broker.
  await settle('before the unloaded cleaning');
  const tQuiet = performance.now();
  const cq = cpuSeconds(broker.pid);
  await setTopicConfig(port, COMPACTED(LOADED), 'min.compaction.lag.ms', '0');
  await untilCleaned(LOADED, tQuiet);
  const quietSec = (performance.now() - tQuiet) / 1000;
  const quietCpu = (cpuSeconds(broker.pid) - cq) / quietSec;

  const loadedDirty = files.slice(0, LOADED).reduce((a, x) => a + x.dirtyBytes, 0);
  const cleanSec = cleanSecs.reduce((a, b) => a + b, 0);
  const after = Array.from({ length: SHARDS }, (_, p) => logBytes(dir, p)).reduce((a, b) => a + b, 0);
  log(
    `\ncleaning under the produce load: ${fmt(loadedDirty / MB)} MB dirty cleaned in ${fmt(cleanSec, 2)} s (${cleanSecs.map((x) => fmt(x, 2)).join(' + ')}) = ${fmt(loadedDirty / MB / cleanSec, 1)} MB/s`,
  );
  log(`cleaning with no load: ${fmt(files[LOADED]!.dirtyBytes / MB)} MB in ${fmt(quietSec, 2)} s = ${fmt(files[LOADED]!.dirtyBytes / MB / quietSec, 1)} MB/s (broker CPU ${fmt(quietCpu * 100)}%)`);
  log(`log ${fmt(before / MB)} → ${fmt(after / MB)} MB`);
  for (const l of cleanedLines) log(`  ${l.line.trim().slice(0, 220)}`);

  const idleRates: number[] = [];
  const busyRates: number[] = [];
  const perCleaning: string[] = [];
  stretches.forEach((x, i) => {
    const first = i === 0;
    const rates = bucketRates(load, x.kind === 'idle' ? x.from + (first ? 1000 : AFTER_MS) : x.from, x.to);
    (x.kind === 'idle' ? idleRates : busyRates).push(...rates);
    if (x.kind === 'busy') {
      const around = [stretches[i - 1]!, stretches[i + 1]!].flatMap((y) => bucketRates(load, y.from + (y === stretches[0] ? 1000 : AFTER_MS), y.to));
      perCleaning.push(`${fmt((median(rates) / median(around)) * 100)}%`);
    }
  });
  const idleMed = median(idleRates);
  const busyMed = median(busyRates);
  const ratio = busyMed / idleMed;
  log(`\nSummary (issue 7)`);
  log(`  compaction throughput      ${fmt(files[LOADED]!.dirtyBytes / MB / quietSec, 1)} MB/s of dirty log with no produce load (${fmt(files[LOADED]!.dirtyBytes / MB)} MB, ${fmt(quietSec, 2)} s)`);
  log(`                             ${fmt(loadedDirty / MB / cleanSec, 1)} MB/s under the produce load (${fmt(loadedDirty / MB)} MB, ${fmt(cleanSec, 2)} s)`);
  log(`  produce, cleaner idle      ${fmt(idleMed)} MB/s (median of ${idleRates.length} buckets of ${BUCKET_MS} ms)`);
  log(`  produce, cleaner running   ${fmt(busyMed)} MB/s (median of ${busyRates.length} buckets)`);
  log(`  each cleaning / idle around it  ${perCleaning.join(' / ')}`);
  log(`  load average at the end    ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (1/5/15 min; ${os.cpus().length} CPUs)`);
  log(`  ratio                      ${fmt(ratio * 100)}%  (target ≥ ${TARGET * 100}%)  ${ratio >= TARGET ? 'PASS' : 'MISS'}`);
}

async function cleanup(): Promise<void> {
  await broker?.stop().catch(() => {});
  broker = null;
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
